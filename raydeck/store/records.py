"""What the store hands out: stored objects, list queries and pages, events, pod records.

Plain dataclasses, free of SQLAlchemy, so managers and platforms can use them
without touching the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SERVER_META_FIELDS = ("namespace", "uid", "resourceVersion", "generation", "creationTimestamp")
#: Annotation the server adds on the way out to tell templates from instances; never stored.
TYPE_ANNOTATION = "raydeck.io/type"


@dataclass(frozen=True, order=True)
class ObjectKey:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass
class StoredObject:
    kind: str
    namespace: str
    name: str
    uid: str
    resource_version: int
    generation: int
    created_at: str
    is_template: bool
    creator: str
    body: dict[str, Any]
    status: dict[str, Any] | None = None

    @property
    def key(self) -> ObjectKey:
        return ObjectKey(self.kind, self.namespace, self.name)

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def type(self) -> Literal["template", "instance"]:
        return "template" if self.is_template else "instance"

    def to_wire(self) -> dict[str, Any]:
        """The object as the API returns it: the user's body with server metadata and status.

        Shallow: nested values are shared with this record, so callers that change the result
        copy what they change (the managers do).
        """
        wire = dict(self.body)
        meta: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
            "resourceVersion": str(self.resource_version),
            "generation": self.generation,
            "creationTimestamp": self.created_at,
        }
        for key, value in (wire.get("metadata") or {}).items():
            meta.setdefault(key, value)
        meta["annotations"] = {**(meta.get("annotations") or {}), TYPE_ANNOTATION: self.type}
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

    def to_wire(self) -> dict[str, Any]:
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
