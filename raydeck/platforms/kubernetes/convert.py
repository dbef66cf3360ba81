"""Between Kubernetes API objects and raydeck's records: pure functions, no I/O.

The platform and its reflectors call these; they decide what of an API object
is the user's (kept in the store's body), what is the server's (uid,
resourceVersion, timestamps) and what a pod or an event looks like to raydeck.
"""

from __future__ import annotations

import copy
import dataclasses
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
    """The API server's resourceVersion as the store keeps it (etcd revisions are integers)."""
    value = (raw.get("metadata") or {}).get("resourceVersion") or "0"
    try:
        return int(value)
    except ValueError:
        return 0


def user_body(raw: dict[str, Any]) -> dict[str, Any]:
    """What of an API object is the user's: everything but status and server metadata."""
    body = {k: copy.deepcopy(v) for k, v in raw.items() if k != "status"}
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k not in SERVER_METADATA}
    meta.pop("namespace", None)
    body["metadata"] = meta
    return body


def to_stored(api: ApiType, raw: dict[str, Any]) -> StoredObject:
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
    """The object to send: the user's body in ``namespace``, with the version it replaces."""
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
    meta = raw.get("metadata") or {}
    return NamespaceRecord(
        name=str(meta["name"]),
        uid=str(meta.get("uid") or ""),
        created_at=str(meta.get("creationTimestamp") or ""),
        labels=dict(meta.get("labels") or {}),
    )


def to_pod_view(raw: dict[str, Any]) -> PodView:
    meta, spec, status = (raw.get(k) or {} for k in ("metadata", "spec", "status"))
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


def to_node_target(raw: dict[str, Any]) -> NodeTarget:
    """A Ray pod as monitoring sees it: what its containers request (requests, else limits, as
    Kubernetes defaults them), its IP, the metrics port KubeRay opens (8080 by default), and
    its cluster and namespace, by which a Prometheus finds its series."""
    view = to_pod_view(raw)
    meta = raw.get("metadata") or {}
    requests = Totals()
    for container in ((raw.get("spec") or {}).get("containers")) or []:
        requests += container_requests(container)
    return NodeTarget(
        pod=view.name,
        group=view.group,
        node_type=view.node_type,
        running=view.phase == "Running",
        requests=requests,
        host=view.ip or "127.0.0.1",
        metrics_port=view.ports.get("metrics", DEFAULT_METRICS_PORT) if view.ip else None,
        cluster=str((meta.get("labels") or {}).get(CLUSTER_LABEL) or ""),
        namespace=str(meta.get("namespace") or ""),
    )


def to_cluster_target(obj: StoredObject, pods: list[dict[str, Any]]) -> ClusterTarget:
    labels = (obj.body.get("metadata") or {}).get("labels") or {}
    return ClusterTarget(
        namespace=obj.namespace,
        name=obj.name,
        uid=obj.uid,
        nodes=tuple(to_node_target(p) for p in pods),
        owner_kind=str(labels.get("ray.io/originated-from-crd") or ""),
        owner_name=str(labels.get("ray.io/originated-from-cr-name") or ""),
        suspended=bool(obj.spec.get("suspend")),
    )


def to_event(raw: dict[str, Any]) -> tuple[str, EventRecord] | None:
    """An events.k8s.io/v1 Event as (uid of the object it is about, record); None if about nothing."""
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


# -- Kueue ----------------------------------------------------------------------------------

#: Kueue's Workload, newest API version first (v1beta1 before Kueue 0.15; the fields raydeck
#: reads are the same in both).
WORKLOADS = (
    ApiType("Workload", "kueue.x-k8s.io/v1beta2", "workloads"),
    ApiType("Workload", "kueue.x-k8s.io/v1beta1", "workloads"),
)
QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name"
#: Kueue's Workload conditions raydeck reads, in the order they happen.
KUEUE_CONDITIONS = ("QuotaReserved", "Admitted", "Evicted", "Finished")


@dataclass(frozen=True)
class KueueAdmission:
    """What Kueue's Workload says about one RayJob, RayCluster or RayService (its owner)."""

    owner_kind: str
    owner_name: str
    namespace: str
    workload: str
    queue_name: str
    cluster_queue: str
    state: str
    priority: int
    created_at: str
    reason: str
    conditions: tuple[dict[str, str], ...]
    requests: Totals

    def to_status(self) -> dict[str, Any]:
        """The ``status.kueue`` raydeck shows beside the object's own status."""
        return {
            "workload": self.workload,
            "queueName": self.queue_name,
            "clusterQueue": self.cluster_queue,
            "state": self.state,
            "reason": self.reason,
            "conditions": list(self.conditions),
        }


def to_admission(raw: dict[str, Any]) -> tuple[str, KueueAdmission] | None:
    """A Kueue Workload as (uid of the object it admits, its admission); None if it has no
    RayJob, RayCluster or RayService owner."""
    meta, spec, status = (raw.get(k) or {} for k in ("metadata", "spec", "status"))
    owner = next(
        (
            o
            for o in meta.get("ownerReferences") or []
            if o.get("kind") in (RAYJOB.kind, RAYCLUSTER.kind, RAYSERVICE.kind) and o.get("uid")
        ),
        None,
    )
    if owner is None:
        return None
    found = {c.get("type"): c for c in status.get("conditions") or []}
    conditions = tuple(
        {k: str(found[t].get(k) or "") for k in ("type", "status", "reason", "message")}
        for t in KUEUE_CONDITIONS
        if t in found
    )
    state = kueue_state({t: found[t].get("status") == "True" for t in found})
    return str(owner["uid"]), KueueAdmission(
        owner_kind=str(owner["kind"]),
        owner_name=str(owner.get("name") or ""),
        namespace=str(meta.get("namespace") or ""),
        workload=str(meta.get("name") or ""),
        queue_name=str(spec.get("queueName") or ""),
        cluster_queue=str((status.get("admission") or {}).get("clusterQueue") or ""),
        state=state,
        priority=int(spec.get("priority") or 0),
        created_at=str(meta.get("creationTimestamp") or ""),
        reason=_kueue_reason(state, found),
        conditions=conditions,
        requests=_pod_set_requests(spec.get("podSets") or []),
    )


def kueue_state(true: dict[str, bool]) -> str:
    """One word for where a Workload stands, from which of Kueue's conditions are True."""
    if true.get("Finished"):
        return "finished"
    if true.get("Admitted"):
        return "admitted"
    if true.get("Evicted"):
        return "evicted"
    if true.get("QuotaReserved"):
        return "quotaReserved"
    return "pending"


def _kueue_reason(state: str, found: dict[str, dict[str, Any]]) -> str:
    """The message of the condition that explains ``state`` (why it waits, above all)."""
    for type_ in {
        "finished": ("Finished",),
        "admitted": ("Admitted",),
        "evicted": ("Evicted",),
        "quotaReserved": ("Admitted", "QuotaReserved"),
        "pending": ("QuotaReserved",),
    }[state]:
        if found.get(type_, {}).get("message"):
            return str(found[type_]["message"])
    return "waiting for Kueue to look at it" if state == "pending" else ""


def _pod_set_requests(pod_sets: list[dict[str, Any]]) -> Totals:
    total = Totals()
    for pod_set in pod_sets:
        pod = Totals()
        for container in ((pod_set.get("template") or {}).get("spec") or {}).get(
            "containers"
        ) or []:
            pod += container_requests(container)
        total += pod.scaled(int(pod_set.get("count") or 0))
    return total


def with_admission(obj: StoredObject, admission: KueueAdmission | None) -> StoredObject:
    """``obj`` with Kueue's admission in ``status.kueue`` (removed when there is none)."""
    status = {k: v for k, v in (obj.status or {}).items() if k != "kueue"}
    if admission is not None:
        status["kueue"] = admission.to_status()
    if obj.status is None and admission is None:
        return obj
    return dataclasses.replace(obj, status=status)


def without_values(obj: StoredObject) -> StoredObject:
    """A Secret as raydeck's store keeps it: its keys, each with an empty value. The values stay
    on the API server, read from there only when a user who may see them asks."""
    body = dict(obj.body)
    body["data"] = dict.fromkeys(body.get("data") or {}, "")
    return dataclasses.replace(obj, body=body)
