"""The figures a list shows and sorts by, derived from an object's spec and status.

The store keeps them in indexed columns; the console and CLI show them. Pure
functions of the object: recomputed on every write, never edited by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from raydeck.resources.quantity import parse_quantity, to_int_ceil, to_millis
from raydeck.resources.raycluster import ClusterState
from raydeck.resources.rayjob import JobDeploymentStatus
from raydeck.resources.rayservice import ConditionType as ServiceCondition
from raydeck.resources.rayservice import Reason

GPU_KEYS = ("nvidia.com/gpu", "amd.com/gpu")


class State(StrEnum):
    """The one word a list shows, filters and sorts by for an object's state, whatever the kind.

    RayCluster words are ``ClusterState`` labels, RayJob words ``JobDeploymentStatus`` values
    in lower case (its ``jobStatus`` is the sub-state); the others are raydeck's own.
    """

    PENDING = ClusterState.PENDING.label
    READY = ClusterState.READY.label
    SUSPENDED = ClusterState.SUSPENDED.label
    FAILED = ClusterState.FAILED.label
    NEW = "new"
    INITIALIZING = JobDeploymentStatus.INITIALIZING.lower()
    RUNNING = JobDeploymentStatus.RUNNING.lower()
    COMPLETE = JobDeploymentStatus.COMPLETE.lower()
    VALIDATION_FAILED = JobDeploymentStatus.VALIDATION_FAILED.lower()
    RETRYING = JobDeploymentStatus.RETRYING.lower()
    WAITING = JobDeploymentStatus.WAITING.lower()
    #: Asked to stop; processes are still ending.
    SUSPENDING = "suspending"
    #: Waiting for admission: raydeck's queue (local) or Kueue (kubernetes).
    QUEUED = "queued"
    UPGRADING = "upgrading"
    UNAVAILABLE = "unavailable"
    #: Saved spec, never runs (the store's state column for templates).
    TEMPLATE = "template"


@dataclass(frozen=True)
class Totals:
    cpu_millis: int = 0
    memory_bytes: int = 0
    gpu: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.cpu_millis + other.cpu_millis,
            self.memory_bytes + other.memory_bytes,
            self.gpu + other.gpu,
        )

    def scaled(self, factor: int) -> Totals:
        return Totals(self.cpu_millis * factor, self.memory_bytes * factor, self.gpu * factor)


@dataclass(frozen=True)
class Summary:
    #: A ``State``; a status value KubeRay adds later shows as it is written.
    state: str
    ray_version: str
    totals: Totals
    sub_state: str = ""


def container_requests(container: Mapping[str, Any]) -> Totals:
    """A container's requests (falling back to limits, as Kubernetes defaults them)."""
    resources = container.get("resources") or {}
    limits = resources.get("limits") or {}
    requests = {**limits, **(resources.get("requests") or {})}
    return _totals(requests)


def _totals(values: Mapping[str, Any]) -> Totals:
    try:
        cpu = to_millis(values["cpu"]) if "cpu" in values else 0
        memory = to_int_ceil(values["memory"]) if "memory" in values else 0
        gpu = sum(int(parse_quantity(values[k])) for k in GPU_KEYS if k in values)
    except (ValueError, TypeError):
        return Totals()
    return Totals(cpu, memory, gpu)


def pod_requests(template: Mapping[str, Any]) -> Totals:
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    total = Totals()
    for container in containers:
        total += container_requests(container)
    return total


def cluster_spec_totals(spec: Mapping[str, Any]) -> Totals:
    """Requests of the head plus every desired worker, as ``status.desiredCPU`` counts them."""
    head = (spec.get("headGroupSpec") or {}).get("template") or {}
    total = pod_requests(head)
    for group in spec.get("workerGroupSpecs") or []:
        total += pod_requests(group.get("template") or {}).scaled(_desired(group))
    return total


def _desired(group: Mapping[str, Any]) -> int:
    low = group.get("minReplicas") or 0
    high = group.get("maxReplicas")
    wanted = group.get("replicas", low)
    if not all(isinstance(v, int) for v in (low, wanted)) or not isinstance(high, int | None):
        return 0
    clamped = int(max(low, min(wanted, high if high is not None else wanted)))
    hosts = group.get("numOfHosts") or 1
    return clamped * hosts if isinstance(hosts, int) else clamped


def summarize(kind: str, body: Mapping[str, Any], status: Mapping[str, Any] | None) -> Summary:
    spec = body.get("spec") or {}
    summary = _summarize(kind, spec, status)
    if spec.get("suspend") and kueue_holds(status):
        return dataclasses.replace(summary, state=State.QUEUED)
    return summary


def kueue_holds(status: Mapping[str, Any] | None) -> bool:
    """Whether Kueue keeps the object suspended until it admits it (its Workload as the
    kubernetes platform shows it in ``status.kueue``)."""
    state = ((status or {}).get("kueue") or {}).get("state")
    return state in ("pending", "quotaReserved", "evicted")


def _summarize(kind: str, spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> Summary:
    if kind == "RayCluster":
        state = str((status or {}).get("state") or "")
        if not state and not spec.get("suspend") and (status or {}).get("queue"):
            state = State.QUEUED  # raydeck's admission queue holds it (local platform)
        # Between "stop" and the last process gone, KubeRay's state is empty: say so, not
        # "suspended", which would promise a delete that is still refused.
        label = state or (State.SUSPENDING if spec.get("suspend") and status else State.PENDING)
        return Summary(label, str(spec.get("rayVersion") or ""), cluster_spec_totals(spec))
    if kind == "RayJob":
        cluster = spec.get("rayClusterSpec") or {}
        deployment = str((status or {}).get("jobDeploymentStatus") or State.NEW).lower()
        if deployment == State.INITIALIZING and ((status or {}).get("rayClusterStatus") or {}).get(
            "queue"
        ):
            deployment = State.QUEUED  # its cluster waits in raydeck's admission queue
        job = str((status or {}).get("jobStatus") or "").lower()
        totals = cluster_spec_totals(cluster) if cluster else Totals()
        return Summary(deployment, str(cluster.get("rayVersion") or ""), totals, job)
    if kind == "RayService":
        cluster = spec.get("rayClusterConfig") or {}
        return Summary(
            service_state(spec, status),
            str(cluster.get("rayVersion") or ""),
            cluster_spec_totals(cluster),
        )
    return Summary("", "", Totals())


def service_state(spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> str:
    """One word for a RayService's list column, read from its conditions."""
    conditions = {c.get("type"): c for c in (status or {}).get("conditions") or []}
    if _true(conditions, ServiceCondition.SUSPENDED):
        return State.SUSPENDED
    if _true(conditions, ServiceCondition.SUSPENDING) or (spec.get("suspend") and status):
        return State.SUSPENDING
    if _true(conditions, ServiceCondition.UPGRADE_IN_PROGRESS):
        return State.UPGRADING
    if _true(conditions, ServiceCondition.READY):
        return State.READY
    if (status or {}).get("queue"):
        return State.QUEUED  # its cluster waits in raydeck's admission queue (local platform)
    if (conditions.get(ServiceCondition.READY) or {}).get("reason") == Reason.ZERO_SERVE_ENDPOINTS:
        return State.UNAVAILABLE
    return State.INITIALIZING if status else State.PENDING


def _true(conditions: Mapping[str, Any], type_: str) -> bool:
    return (conditions.get(type_) or {}).get("status") == "True"
