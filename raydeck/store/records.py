"""What the store hands out: stored objects (raw and typed), list queries and pages, events, pods.

Plain dataclasses, free of SQLAlchemy, so managers and platforms can use them
without touching the database layer. A ``StoredObject`` keeps the user's body
as written (so unknown fields round-trip) and reads it, once, as its kind's
pydantic model (``model``, ``as_``); decisions use the model, the wire edge ``to_wire()``.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

from raydeck.errors import InvalidInput, InvalidState
from raydeck.resources.kinds import ResourceModel, model_of
from raydeck.resources.validation.common import parse_model

SERVER_META_FIELDS = ("namespace", "uid", "resourceVersion", "generation", "creationTimestamp")
#: Annotation the server adds on the way out to tell templates from instances; never stored.
TYPE_ANNOTATION = "raydeck.io/type"
M = TypeVar("M", bound=ResourceModel)


@dataclass(frozen=True, order=True)
class ObjectKey:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class StoredObject:
    """One object as stored: its identity, raydeck's bookkeeping, its body and its status.

    Frozen, and ``body`` and ``status`` are not to be changed in place: ``model`` is parsed
    from them once and kept. A changed object is a new one (``dataclasses.replace``).
    """

    kind: str
    namespace: str
    name: str
    uid: str
    resource_version: int
    generation: int
    created_at: str
    is_template: bool
    creator: str
    #: The user's document as written (raw YAML in): unknown fields must survive, so it stays raw.
    body: dict[str, Any]
    #: As the platform (or KubeRay) wrote it, raw Kubernetes JSON; ``model.status`` is typed.
    status: dict[str, Any] | None = None

    @property
    def key(self) -> ObjectKey:
        return ObjectKey(self.kind, self.namespace, self.name)

    @property
    def spec(self) -> dict[str, Any]:  # raw, for callers not yet on ``model.spec``
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def type(self) -> Literal["template", "instance"]:
        return "template" if self.is_template else "instance"

    @cached_property
    def model(self) -> ResourceModel:
        """The object as its kind's model (``RayCluster``, ``RayJob``, ...), parsed on first use
        and kept: spec and status typed, enums for states, unknown fields kept as extras.

        Parsed from ``to_wire()``, so metadata carries uid, resourceVersion and the type
        annotation, and a template has no status. Only the model's own types are checked, not
        raydeck's validation rules (an object stored before a rule tightened still reads).
        Raises ``InvalidState`` naming each field that does not fit.
        """
        try:
            return parse_model(model_of(self.kind), self.to_wire(), what=str(self.key))
        except InvalidInput as e:
            raise InvalidState(
                f"{self.key} cannot be read as stored: " + "; ".join(map(str, e.errors))
            ) from e

    def as_(self, model: builtins.type[M]) -> M:
        """``model`` typed as ``model``: ``obj.as_(RayJob).status`` is a ``RayJobStatus | None``.

        Raises ``TypeError`` if the object is of another kind (a caller's mistake, not a
        user's), ``InvalidState`` as ``model`` does.
        """
        parsed = self.model
        if not isinstance(parsed, model):
            raise TypeError(f"{self.key} is a {self.kind}, not a {model.__name__}")
        return parsed

    def to_wire(self) -> dict[str, Any]:  # Kubernetes JSON out: the object as the API returns it
        """The user's body with server metadata and status (templates have none).

        Shallow: nested values are shared with this record, so callers that change the result
        copy what they change (the managers do).
        """
        wire = dict(self.body)
        own = wire.get("metadata") or {}
        meta: dict[str, object] = {
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
            "resourceVersion": str(self.resource_version),
            "generation": self.generation,
            "creationTimestamp": self.created_at,
        }
        for key, value in own.items():
            meta.setdefault(key, value)
        meta["annotations"] = {**(own.get("annotations") or {}), TYPE_ANNOTATION: self.type}
        wire["metadata"] = meta
        if self.status is not None and not self.is_template:
            wire["status"] = self.status
        return wire


@dataclass(frozen=True)
class NamespaceRecord:
    name: str
    uid: str
    created_at: str
    labels: dict[str, str] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:  # Kubernetes JSON out: a core/v1 Namespace
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": self.name, "uid": self.uid, "creationTimestamp": self.created_at},
        }


SortKey = Literal["name", "created", "status", "rayVersion", "creator", "cpu", "memory", "gpu"]
SORT_KEYS: tuple[str, ...] = (
    "name",
    "created",
    "status",
    "rayVersion",
    "creator",
    "cpu",
    "memory",
    "gpu",
)


@dataclass(frozen=True)
class ListQuery:
    kind: str
    namespace: str | None = None
    search: str = ""
    sort: str = "name"
    status: tuple[str, ...] = ()
    ray_version: tuple[str, ...] = ()
    type: Literal["template", "instance"] | None = None
    creator: tuple[str, ...] = ()
    #: Only these namespaces (the caller's grants); ``None`` means no restriction.
    visible_namespaces: tuple[str, ...] | None = None
    selector: str = ""
    limit: int = 0
    continue_token: str | None = None
    #: Rows to skip (the console pages by number); a continue token, when given, wins.
    offset: int = 0


@dataclass
class ListPage:
    items: list[StoredObject]
    total: int
    continue_token: str | None
    #: No name contains the search, so these are names holding its characters in order.
    close_matches: bool = False


@dataclass(frozen=True)
class EventRecord:
    kind: str
    namespace: str
    name: str
    type: str
    reason: str
    message: str
    count: int
    first_timestamp: str
    last_timestamp: str

    def to_wire(self) -> dict[str, Any]:  # Kubernetes JSON out: a core/v1 Event
        return {
            "type": self.type,
            "reason": self.reason,
            "message": self.message,
            "count": self.count,
            "firstTimestamp": self.first_timestamp,
            "lastTimestamp": self.last_timestamp,
            "involvedObject": {"kind": self.kind, "namespace": self.namespace, "name": self.name},
        }


@dataclass
class PodRecord:
    """A Ray node as the local platform runs it, shaped after a pod; ``data`` is platform-owned."""

    name: str
    owner_uid: str
    namespace: str
    cluster: str
    group_name: str
    node_type: Literal["head", "worker"]
    data: dict[str, Any] = field(default_factory=dict)
