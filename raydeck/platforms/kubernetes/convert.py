"""Between Kubernetes API objects and raydeck's records: pure functions, no I/O.

The platform and its mirror call these; they decide what of an API object is the
user's (kept in the store's body), what is the server's (uid, resourceVersion,
timestamps) and what a pod or an event looks like to raydeck. Their raw dict
arguments are Kubernetes JSON as the API server sends it: this module is where it is
read, once. Kueue's Workloads are read in ``kueue.py``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from raydeck.errors import FieldError, InvalidInput
from raydeck.monitoring.targets import ClusterTarget, NodeTarget
from raydeck.platforms.base import PodView
from raydeck.resources.meta import CREATOR_ANNOTATION, TYPE_LABEL
from raydeck.resources.summary import Totals, container_requests
from raydeck.store.records import EventRecord, NamespaceRecord, StoredObject

#: Metadata the API server owns; never part of what raydeck sends or keeps as the user's body.
SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
)
CLUSTER_LABEL = "ray.io/cluster"
#: The metrics port KubeRay gives a Ray container when its spec names none.
DEFAULT_METRICS_PORT = 8080
GROUP_LABEL = "ray.io/group"
NODE_TYPE_LABEL = "ray.io/node-type"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"


@dataclass(frozen=True)
class ApiType:
    """One resource type of the API server, as a REST path needs it."""

    kind: str
    api_version: str
    plural: str

    def url(self, name: str | None = None, sub: str | None = None) -> str:
        return "/".join(p for p in (self.plural, name, sub) if p)


RAYCLUSTER = ApiType("RayCluster", "ray.io/v1", "rayclusters")
RAYJOB = ApiType("RayJob", "ray.io/v1", "rayjobs")
RAYSERVICE = ApiType("RayService", "ray.io/v1", "rayservices")
CONFIGMAP = ApiType("ConfigMap", "v1", "configmaps")
SECRET = ApiType("Secret", "v1", "secrets")
#: The kinds raydeck writes and mirrors; a kind raydeck's resources do not model yet passes through.
OBJECT_TYPES = (RAYCLUSTER, RAYJOB, RAYSERVICE, CONFIGMAP, SECRET)
#: Kinds that are data only: they have no status.
DATA_KINDS = frozenset({CONFIGMAP.kind, SECRET.kind})
NAMESPACE = ApiType("Namespace", "v1", "namespaces")
POD = ApiType("Pod", "v1", "pods")
EVENT = ApiType("Event", "events.k8s.io/v1", "events")


def api_type(kind: str) -> ApiType:
    for t in OBJECT_TYPES:
        if t.kind == kind:
            return t
    raise InvalidInput(
        "the object is invalid", [FieldError("kind", f"{kind!r} is not managed on Kubernetes")]
    )


def resource_version(raw: dict[str, Any]) -> int:
    """An API object's (JSON) resourceVersion as the store keeps it (etcd revisions are ints)."""
    value = (raw.get("metadata") or {}).get("resourceVersion") or "0"
    try:
        return int(value)
    except ValueError:
        return 0


def user_body(raw: dict[str, Any]) -> dict[str, Any]:
    """What of an API object (its JSON) is the user's: all but status and server metadata."""
    body = {k: copy.deepcopy(v) for k, v in raw.items() if k != "status"}
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k not in SERVER_METADATA}
    meta.pop("namespace", None)
    body["metadata"] = meta
    return body


def to_stored(api: ApiType, raw: dict[str, Any]) -> StoredObject:
    """An API object (Kubernetes JSON in) as the store keeps it."""
    meta = raw.get("metadata") or {}
    body = user_body(raw)
    body.setdefault("apiVersion", api.api_version)
    body.setdefault("kind", api.kind)
    status = raw.get("status")
    return StoredObject(
        kind=api.kind,
        namespace=str(meta.get("namespace") or ""),
        name=str(meta["name"]),
        uid=str(meta["uid"]),
        resource_version=resource_version(raw),
        generation=int(meta.get("generation") or 1),
        created_at=str(meta.get("creationTimestamp") or ""),
        is_template=False,
        creator=str((meta.get("annotations") or {}).get(CREATOR_ANNOTATION) or ""),
        body=body,
        status=status if isinstance(status, dict) else (None if api.kind in DATA_KINDS else {}),
    )


def to_request(
    api: ApiType, namespace: str, body: dict[str, Any], *, resource_version: int | None
) -> dict[str, Any]:
    """The object to send (Kubernetes JSON out): the user's body (its JSON) in ``namespace``,
    with the version it replaces."""
    request = user_body(body)
    request["apiVersion"] = api.api_version
    request["kind"] = api.kind
    meta = request["metadata"]
    meta["namespace"] = namespace
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != TYPE_LABEL}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    if resource_version is not None:
        meta["resourceVersion"] = str(resource_version)
    return request


def to_namespace(raw: dict[str, Any]) -> NamespaceRecord:
    """A v1 Namespace (Kubernetes JSON in) as the store's record."""
    meta = raw.get("metadata") or {}
    return NamespaceRecord(
        name=str(meta["name"]),
        uid=str(meta.get("uid") or ""),
        created_at=str(meta.get("creationTimestamp") or ""),
        labels=dict(meta.get("labels") or {}),
    )


@dataclass(frozen=True)
class KubePod:
    """A Ray pod as raydeck reads it, once: what the API shows and what monitoring needs."""

    view: PodView
    namespace: str
    #: The RayCluster its ``ray.io/cluster`` label names.
    cluster: str
    #: What its containers request (requests, else limits, as Kubernetes defaults them).
    requests: Totals


def parse_pod(raw: dict[str, Any]) -> KubePod:
    """A v1 Pod (Kubernetes JSON in) as a ``KubePod``."""
    meta, spec, status = (raw.get(k) or {} for k in ("metadata", "spec", "status"))
    labels = meta.get("labels") or {}
    requests = Totals()
    for container in spec.get("containers") or []:
        requests += container_requests(container)
    return KubePod(
        view=_pod_view(meta, spec, status),
        namespace=str(meta.get("namespace") or ""),
        cluster=str(labels.get(CLUSTER_LABEL) or ""),
        requests=requests,
    )


def _pod_view(
    meta: Mapping[str, Any], spec: Mapping[str, Any], status: Mapping[str, Any]
) -> PodView:
    labels = meta.get("labels") or {}
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    containers = status.get("containerStatuses") or []
    ports = {
        str(p.get("name") or p.get("containerPort")): int(p["containerPort"])
        for c in spec.get("containers") or []
        for p in c.get("ports") or []
        if "containerPort" in p
    }
    phase = str(status.get("phase") or "Pending")
    if meta.get("deletionTimestamp"):
        phase = "Terminating"
    return PodView(
        name=str(meta.get("name")),
        group=str(labels.get(GROUP_LABEL) or ""),
        node_type=str(labels.get(NODE_TYPE_LABEL) or ""),
        phase=phase,
        ready=conditions.get("Ready") == "True",
        restarts=sum(int(c.get("restartCount") or 0) for c in containers),
        ip=str(status.get("podIP") or ""),
        ports=ports,
        start_time=status.get("startTime"),
        message=str(status.get("message") or status.get("reason") or ""),
    )


def node_target(pod: KubePod) -> NodeTarget:
    """A Ray pod as monitoring sees it: its requests, its IP, the metrics port KubeRay opens
    (8080 by default), and its cluster and namespace, by which a Prometheus finds its series."""
    view = pod.view
    return NodeTarget(
        pod=view.name,
        group=view.group,
        node_type=view.node_type,
        running=view.phase == "Running",
        requests=pod.requests,
        host=view.ip or "127.0.0.1",
        metrics_port=view.ports.get("metrics", DEFAULT_METRICS_PORT) if view.ip else None,
        cluster=pod.cluster,
        namespace=pod.namespace,
    )


def to_cluster_target(obj: StoredObject, pods: list[KubePod]) -> ClusterTarget:
    labels = (obj.body.get("metadata") or {}).get("labels") or {}
    return ClusterTarget(
        namespace=obj.namespace,
        name=obj.name,
        uid=obj.uid,
        nodes=tuple(node_target(p) for p in pods),
        owner_kind=str(labels.get("ray.io/originated-from-crd") or ""),
        owner_name=str(labels.get("ray.io/originated-from-cr-name") or ""),
        suspended=bool(obj.spec.get("suspend")),
    )


def to_event(raw: dict[str, Any]) -> tuple[str, EventRecord] | None:
    """An events.k8s.io/v1 Event (JSON in) as (uid of the object it regards, record); None if it
    regards nothing."""
    regarding = raw.get("regarding") or {}
    if not regarding.get("uid"):
        return None
    series = raw.get("series") or {}
    first = (
        raw.get("deprecatedFirstTimestamp")
        or raw.get("eventTime")
        or (raw.get("metadata") or {}).get("creationTimestamp")
        or ""
    )
    last = series.get("lastObservedTime") or raw.get("deprecatedLastTimestamp") or first
    count = int(series.get("count") or raw.get("deprecatedCount") or 1)
    record = EventRecord(
        kind=str(regarding.get("kind") or ""),
        namespace=str(regarding.get("namespace") or ""),
        name=str(regarding.get("name") or ""),
        type=str(raw.get("type") or "Normal"),
        reason=str(raw.get("reason") or ""),
        message=str(raw.get("note") or ""),
        count=count,
        first_timestamp=_second_precision(str(first)),
        last_timestamp=_second_precision(str(last)),
    )
    return str(regarding["uid"]), record


def _second_precision(timestamp: str) -> str:
    """``2026-01-02T03:04:05.123456Z`` as ``2026-01-02T03:04:05Z``, the form raydeck shows."""
    if "." in timestamp and timestamp.endswith("Z"):
        return timestamp.split(".", 1)[0] + "Z"
    return timestamp


def cluster_names(obj: StoredObject) -> list[str]:
    """The RayClusters whose pods serve ``obj``: itself, a RayJob's, a RayService's."""
    status = obj.status or {}
    if obj.kind == RAYCLUSTER.kind:
        return [obj.name]
    if obj.kind == RAYJOB.kind:
        name = status.get("rayClusterName")
        return [str(name)] if name else []
    if obj.kind == RAYSERVICE.kind:
        names = [
            (status.get(k) or {}).get("rayClusterName")
            for k in ("activeServiceStatus", "pendingServiceStatus")
        ]
        return [str(n) for n in names if n]
    return []


def without_values(obj: StoredObject) -> StoredObject:
    """A Secret as raydeck's store keeps it: its keys, each with an empty value. The values stay
    on the API server, read from there only when a user who may see them asks."""
    body = dict(obj.body)
    body["data"] = dict.fromkeys(body.get("data") or {}, "")
    return dataclasses.replace(obj, body=body)
