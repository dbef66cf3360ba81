"""Shapes shared by every ray.io/v1 kind: the model base, object metadata, conditions, pod templates.

RayCluster, RayJob and RayService models build on these. Unknown fields are
kept (``extra="allow"``) and dumped back under their own keys, so what a user
wrote is what they get back. Validation rules live in ``validation/``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

API_VERSION = "ray.io/v1"
RAYDECK_PREFIX = "raydeck.io/"
CREATOR_ANNOTATION = "raydeck.io/creator"
TEMPLATE_ORIGIN_ANNOTATION = "raydeck.io/template"
TYPE_LABEL = "raydeck.io/type"
#: Set on a RayJob to ask for its Ray job to be stopped (raydeck's stop button).
STOP_ANNOTATION = "raydeck.io/stop-requested"


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def age(timestamp: str | None, *, now: datetime | None = None) -> str:
    """How long ago an RFC 3339 timestamp was, as kubectl prints it: ``45s``, ``12m``, ``3d``."""
    if not timestamp:
        return "-"
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "-"
    seconds = int(((now or datetime.now(UTC)) - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


class KubeModel(BaseModel):
    """Base of all resource models: camelCase on the wire, unknown fields kept."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        validate_assignment=False,
    )

    def to_wire(self) -> dict[str, Any]:
        """JSON out: camelCase, only the fields that were set, unknown fields included."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class ObjectMeta(KubeModel):
    name: str = ""
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    owner_references: list[dict[str, Any]] | None = None  # Kubernetes JSON kept as written


class Condition(KubeModel):
    """A metav1.Condition."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_transition_time: str | None = None
    observed_generation: int | None = None


class EnvVar(KubeModel):
    name: str
    value: str | None = None
    value_from: dict[str, Any] | None = None  # Kubernetes JSON kept as written


class ResourceRequirements(KubeModel):
    limits: dict[str, str | int | float] | None = None
    requests: dict[str, str | int | float] | None = None


class VolumeMount(KubeModel):
    name: str
    mount_path: str
    read_only: bool | None = None
    sub_path: str | None = None


class Container(KubeModel):
    name: str = ""
    image: str | None = None
    command: list[str] | None = None
    args: list[str] | None = None
    env: list[EnvVar] | None = None
    resources: ResourceRequirements | None = None
    volume_mounts: list[VolumeMount] | None = None
    working_dir: str | None = None


class PodSpec(KubeModel):
    containers: list[Container] = Field(default_factory=list)
    init_containers: list[Container] | None = None
    volumes: list[dict[str, Any]] | None = (
        None  # Kubernetes JSON kept as written (local: volumes.py reads it)
    )
    restart_policy: str | None = None
    termination_grace_period_seconds: int | None = None


class PodTemplateSpec(KubeModel):
    metadata: dict[str, Any] | None = None  # Kubernetes JSON kept as written
    spec: PodSpec = Field(default_factory=PodSpec)


def set_condition(conditions: list[Condition], new: Condition, *, now: str) -> list[Condition]:
    """Upsert a condition by type; ``lastTransitionTime`` moves only when the status changes."""
    result: list[Condition] = []
    replaced = False
    for current in conditions:
        if current.type != new.type:
            result.append(current)
            continue
        changed = current.status != new.status
        stamp = now if changed or not current.last_transition_time else current.last_transition_time
        result.append(new.model_copy(update={"last_transition_time": stamp}))
        replaced = True
    if not replaced:
        result.append(new.model_copy(update={"last_transition_time": now}))
    return result


def find_condition(conditions: list[Condition] | None, type_: str) -> Condition | None:
    return next((c for c in conditions or [] if c.type == type_), None)
