"""Kueue on the kubernetes platform: its Workloads read as admissions of raydeck's objects.

The mirror (``mirror.py``) keeps an ``Admissions`` index from the Workloads' watch and shows
each object's admission as ``status.kueue``; ``GET …/queue`` lists the namespace's
Workloads through ``Admissions.queue``. Pure: Workloads in (Kubernetes JSON), records out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from raydeck.platforms.kubernetes.convert import RAYCLUSTER, RAYJOB, RAYSERVICE, ApiType
from raydeck.resources.quantity import format_bytes, format_cpu
from raydeck.resources.summary import Totals, container_requests
from raydeck.store.records import StoredObject

#: Kueue's Workload, newest API version first (v1beta1 before Kueue 0.15; the fields raydeck
#: reads are the same in both).
WORKLOADS: tuple[ApiType, ...] = (
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
        """The ``status.kueue`` raydeck shows beside the object's own status (status JSON)."""
        return {
            "workload": self.workload,
            "queueName": self.queue_name,
            "clusterQueue": self.cluster_queue,
            "state": self.state,
            "reason": self.reason,
            "conditions": list(self.conditions),
        }


def to_admission(raw: dict[str, Any]) -> tuple[str, KueueAdmission] | None:
    """A Kueue Workload (JSON in) as (uid of the object it admits, its admission); None if it
    has no RayJob, RayCluster or RayService owner."""
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
    """The message of the condition that explains ``state`` (why it waits, above all), from
    the Workload's conditions by type, as the JSON has them."""
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
    """What the Workload's ``podSets`` (its JSON) request in all."""
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


def queue_entry(admission: KueueAdmission, *, position: int) -> dict[str, Any]:
    """A Workload as ``GET …/queue`` lists it: the local queue's fields plus Kueue's view (JSON
    out, as the ``Platform.admission_queue`` protocol gives it)."""
    return {
        "kind": admission.owner_kind,
        "name": admission.owner_name,
        "namespace": admission.namespace,
        "position": position,
        "priority": admission.priority,
        "createdAt": admission.created_at,
        "reason": admission.reason,
        "requests": {
            "cpu": format_cpu(admission.requests.cpu_millis),
            "memory": format_bytes(admission.requests.memory_bytes),
            "gpu": admission.requests.gpu,
        },
        "kueue": admission.to_status(),
    }


class Admissions:
    """Kueue's admission of each object it manages, by the object's uid, kept from the watch of
    Workloads; each change says which object's admission it changed."""

    def __init__(self) -> None:
        self._by_owner: dict[str, KueueAdmission] = {}
        #: The owner uid of each Workload, by the Workload's uid.
        self._owners: dict[str, str] = {}

    def get(self, uid: str) -> KueueAdmission | None:
        return self._by_owner.get(uid)

    def replace_all(self, workloads: list[dict[str, Any]]) -> set[str]:
        """Every Workload after a full list (Kubernetes JSON); the owners whose admission may
        have changed."""
        before = set(self._by_owner)
        self._by_owner.clear()
        self._owners.clear()
        for raw in workloads:
            self.apply(raw, deleted=False)
        return before | set(self._by_owner)

    def apply(self, raw: dict[str, Any], *, deleted: bool) -> str | None:
        """Record (or forget) one Workload (Kubernetes JSON); the uid of the object it is about."""
        workload_uid = str((raw.get("metadata") or {}).get("uid") or "")
        found = to_admission(raw)
        owner = found[0] if found else self._owners.get(workload_uid)
        if owner is None:
            return None
        if deleted or found is None:
            self._owners.pop(workload_uid, None)
            current = self._by_owner.get(owner)
            # Kueue may have made the owner a new Workload already; keep that one.
            if current is not None and current.workload == raw["metadata"].get("name"):
                del self._by_owner[owner]
        else:
            self._owners[workload_uid] = owner
            self._by_owner[owner] = found[1]
        return owner

    def queue(self, namespace: str) -> list[dict[str, Any]]:
        """The namespace's Workloads that are not finished: waiting ones first, in the order
        Kueue tries them (priority, then age), then admitted ones (position 0); JSON out."""
        current = [
            a for a in self._by_owner.values() if a.namespace == namespace and a.state != "finished"
        ]
        waiting = sorted(
            (a for a in current if a.state != "admitted"), key=lambda a: (-a.priority, a.created_at)
        )
        admitted = sorted((a for a in current if a.state == "admitted"), key=lambda a: a.created_at)
        return [
            queue_entry(a, position=i + 1 if a.state != "admitted" else 0)
            for i, a in enumerate([*waiting, *admitted])
        ]
