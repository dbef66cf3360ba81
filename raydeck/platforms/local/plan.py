"""Reconcile decisions for a RayCluster on the local platform, as pure functions.

``plan_nodes`` maps the desired spec and the observed node processes to the
actions that close the gap; ``cluster_status`` writes the status KubeRay would.
The reconciler executes the actions; everything here is testable with a fake
clock and no processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from raydeck.controller.loop import backoff_delay
from raydeck.resources import raycluster as rc
from raydeck.resources.meta import Condition, find_condition, set_condition
from raydeck.resources.quantity import format_bytes, format_cpu
from raydeck.resources.summary import cluster_spec_totals
from raydeck.store.records import PodRecord

Phase = Literal["Pending", "Running", "Failed"]


@dataclass(frozen=True)
class Observed:
    """One node process as seen now: the record, whether its process lives, whether Ray lists it."""

    pod: PodRecord
    alive: bool
    registered: bool

    @property
    def name(self) -> str:
        return self.pod.name

    @property
    def restarts(self) -> int:
        return int(self.pod.data.get("restarts", 0))


@dataclass(frozen=True)
class StartNode:
    group: str
    node_type: Literal["head", "worker"]


@dataclass(frozen=True)
class RestartNode:
    name: str


@dataclass(frozen=True)
class NodeFailed:
    """The process died unexpectedly: count a restart and wait ``delay`` seconds before it."""

    name: str
    delay: float
    why: str = "exited"


@dataclass(frozen=True)
class StopNode:
    name: str
    reason: str


Action = StartNode | RestartNode | NodeFailed | StopNode


@dataclass(frozen=True)
class Backoff:
    """Restart timing: back-off bounds, and how long a node may run without registering with Ray."""

    initial: float = 1.0
    maximum: float = 60.0
    start_timeout: float = 120.0


@dataclass
class NodePlan:
    actions: list[Action] = field(default_factory=list)

    def of(self, kind: type[Action]) -> list[Any]:
        return [a for a in self.actions if isinstance(a, kind)]


def plan_nodes(
    cluster: rc.RayCluster, observed: list[Observed], *, now: float, backoff: Backoff
) -> NodePlan:
    plan = NodePlan()
    if cluster.is_suspended():
        plan.actions += [StopNode(o.name, "the cluster is suspended") for o in observed]
        return plan
    heads = [o for o in observed if o.pod.node_type == "head"]
    plan.actions += [StopNode(o.name, "only one head runs") for o in heads[1:]]
    if not heads:
        plan.actions.append(StartNode("headgroup", "head"))
    else:
        plan.actions += _recover(heads[0], now=now, backoff=backoff)
    head_ready = bool(heads) and heads[0].alive and heads[0].registered
    plan.actions += _plan_workers(
        cluster, observed, now=now, backoff=backoff, head_ready=head_ready
    )
    return plan


def _recover(node: Observed, *, now: float, backoff: Backoff) -> list[Action]:
    """A failed node is restarted once its back-off has passed; a dead or stuck one is marked failed."""
    data = node.pod.data
    if data.get("phase") == "Failed":
        due = data.get("nextRestartAt")
        return [RestartNode(node.name)] if due is None or now >= float(due) else []
    timed_out = node.alive and _start_timed_out(node, now=now, timeout=backoff.start_timeout)
    if node.alive and not timed_out:
        return []
    delay = backoff_delay(node.restarts + 1, initial=backoff.initial, maximum=backoff.maximum)
    why = (
        f"did not register with Ray within {backoff.start_timeout:.0f}s" if timed_out else "exited"
    )
    return [NodeFailed(node.name, delay, why)]


def _start_timed_out(node: Observed, *, now: float, timeout: float) -> bool:
    """Running but never registered with Ray for ``timeout`` seconds: as a failed startup probe."""
    spawned = node.pod.data.get("spawnedAtMs")
    if node.registered or node.pod.data.get("registeredOnce") or spawned is None:
        return False
    return now - float(spawned) / 1000 > timeout


def _plan_workers(
    cluster: rc.RayCluster,
    observed: list[Observed],
    *,
    now: float,
    backoff: Backoff,
    head_ready: bool,
) -> list[Action]:
    groups = {g.group_name: g for g in cluster.spec.worker_group_specs or []}
    workers = [o for o in observed if o.pod.node_type == "worker"]
    actions: list[Action] = [
        StopNode(o.name, f"worker group {o.pod.group_name!r} was removed")
        for o in workers
        if o.pod.group_name not in groups
    ]
    for name, group in groups.items():
        members = [o for o in workers if o.pod.group_name == name]
        actions += _plan_group(group, members, now=now, backoff=backoff, head_ready=head_ready)
    return actions


def _plan_group(
    group: rc.WorkerGroupSpec,
    members: list[Observed],
    *,
    now: float,
    backoff: Backoff,
    head_ready: bool,
) -> list[Action]:
    to_delete = set(
        (group.scale_strategy.workers_to_delete if group.scale_strategy else None) or []
    )
    actions: list[Action] = [
        StopNode(o.name, "listed in scaleStrategy.workersToDelete")
        for o in members
        if o.name in to_delete
    ]
    kept = [o for o in members if o.name not in to_delete]
    desired = group.desired_replicas()
    # Scale down the newest first: they hold the least state.
    kept.sort(key=lambda o: (str(o.pod.data.get("createdAt", "")), o.name))
    actions += [
        StopNode(o.name, f"scaling {group.group_name} down to {desired}") for o in kept[desired:]
    ]
    for node in kept[:desired]:
        # Without a ready head a worker cannot register: leave it be until the head is back.
        if head_ready:
            actions += _recover(node, now=now, backoff=backoff)
    if head_ready:
        actions += [StartNode(group.group_name, "worker")] * max(0, desired - len(kept))
    return actions


# -- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusInputs:
    cluster: rc.RayCluster
    observed: list[Observed]
    generation: int
    now: str
    endpoints: dict[str, str]
    installed_ray_version: str
    stopping: bool = False
    #: Why a node could not be created in this pass (node type, message naming the field).
    create_failure: tuple[str, str] | None = None


def cluster_status(previous: dict[str, Any] | None, inputs: StatusInputs) -> dict[str, Any]:
    """The status KubeRay would write for what is observed now."""
    old = rc.RayClusterStatus.model_validate(previous or {})
    spec, observed = inputs.cluster.spec, inputs.observed
    groups = spec.worker_group_specs or []
    workers = [o for o in observed if o.pod.node_type == "worker"]
    head = next((o for o in observed if o.pod.node_type == "head"), None)
    head_ready = head is not None and head.alive and head.registered
    ready_workers = sum(1 for o in workers if o.alive and o.registered)
    desired_workers = sum(g.desired_replicas() for g in groups)
    totals = cluster_spec_totals(inputs.cluster.to_wire()["spec"])
    conditions = _conditions(old, inputs, head, head_ready, ready_workers >= desired_workers)
    state = _state(old, inputs, conditions)
    status = rc.RayClusterStatus(
        state=state,
        desired_cpu=format_cpu(totals.cpu_millis),
        desired_memory=format_bytes(totals.memory_bytes),
        desired_gpu=str(totals.gpu),
        desired_tpu="0",
        ready_worker_replicas=ready_workers,
        available_worker_replicas=sum(1 for o in workers if o.alive),
        desired_worker_replicas=desired_workers,
        min_worker_replicas=sum((g.min_replicas or 0) * (g.num_of_hosts or 1) for g in groups),
        max_worker_replicas=sum(_max(g) * (g.num_of_hosts or 1) for g in groups),
        endpoints=inputs.endpoints or None,
        head=rc.HeadInfo(
            pod_ip="127.0.0.1",
            service_ip="127.0.0.1",
            pod_name=head.name,
            service_name=f"{inputs.cluster.metadata.name}-head-svc",
        )
        if head
        else None,
        conditions=conditions,
        observed_generation=inputs.generation,
        state_transition_times=dict(old.state_transition_times or {}),
        last_update_time=old.last_update_time,
    )
    if state is not None and state != old.state:
        status.state_transition_times = {
            **(old.state_transition_times or {}),
            state.value: inputs.now,
        }
    wire = status.model_dump(mode="json", by_alias=True, exclude_none=True)
    if _changed(previous, wire):
        wire["lastUpdateTime"] = inputs.now
    return wire


def _max(group: rc.WorkerGroupSpec) -> int:
    return group.max_replicas if group.max_replicas is not None else 2**31 - 1


def _changed(previous: dict[str, Any] | None, wire: dict[str, Any]) -> bool:
    def strip(d: dict[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (d or {}).items() if k != "lastUpdateTime"}

    return strip(previous) != strip(wire)


def _state(
    old: rc.RayClusterStatus, inputs: StatusInputs, conditions: list[Condition]
) -> rc.ClusterState | None:
    if _is_true(conditions, rc.ConditionType.SUSPENDED):
        return rc.ClusterState.SUSPENDED
    if _is_true(conditions, rc.ConditionType.SUSPENDING):
        return old.state if old.state != rc.ClusterState.READY else None
    head = _is_true(conditions, rc.ConditionType.HEAD_POD_READY)
    ready = head and _all_workers_ready(inputs)
    if ready:
        return rc.ClusterState.READY
    # KubeRay keeps "ready" once reached unless the cluster is suspended.
    return old.state if old.state == rc.ClusterState.READY else None


def _all_workers_ready(inputs: StatusInputs) -> bool:
    groups = inputs.cluster.spec.worker_group_specs or []
    desired = sum(g.desired_replicas() for g in groups)
    ready = sum(
        1 for o in inputs.observed if o.pod.node_type == "worker" and o.alive and o.registered
    )
    return ready >= desired


def _is_true(conditions: list[Condition], type_: str) -> bool:
    found = find_condition(conditions, type_)
    return found is not None and found.status == "True"


def _conditions(
    old: rc.RayClusterStatus,
    inputs: StatusInputs,
    head: Observed | None,
    head_ready: bool,
    workers_ready: bool,
) -> list[Condition]:
    now, conditions = inputs.now, list(old.conditions or [])
    suspended = inputs.cluster.is_suspended()
    gen = inputs.generation

    def put(type_: str, true: bool, reason: str, message: str = "") -> None:
        nonlocal conditions
        conditions = set_condition(
            conditions,
            Condition(
                type=type_,
                status="True" if true else "False",
                reason=reason,
                message=message,
                observed_generation=gen,
            ),
            now=now,
        )

    if suspended:
        done = not inputs.observed and not inputs.stopping
        put(rc.ConditionType.SUSPENDING, not done, rc.ConditionReason.SUSPENDED)
        put(rc.ConditionType.SUSPENDED, done, rc.ConditionReason.SUSPENDED)
    elif find_condition(conditions, rc.ConditionType.SUSPENDED) is not None:
        put(rc.ConditionType.SUSPENDING, False, rc.ConditionReason.SUSPENDED)
        put(rc.ConditionType.SUSPENDED, False, rc.ConditionReason.SUSPENDED)
    _head_condition(put, suspended, head, head_ready)
    provisioned = _is_true(conditions, rc.ConditionType.PROVISIONED)
    if not provisioned:
        all_ready = head_ready and workers_ready and not suspended
        put(
            rc.ConditionType.PROVISIONED,
            all_ready,
            rc.ConditionReason.ALL_PODS_READY_FIRST_TIME
            if all_ready
            else rc.ConditionReason.PODS_PROVISIONING,
        )
    _failure_condition(put, inputs)
    _version_condition(put, inputs)
    return conditions


def _failure_condition(put: Any, inputs: StatusInputs) -> None:
    if inputs.create_failure is not None:
        node_type, message = inputs.create_failure
        reason = (
            rc.ConditionReason.FAILED_CREATE_HEAD
            if node_type == "head"
            else rc.ConditionReason.FAILED_CREATE_WORKER
        )
        put(rc.ConditionType.REPLICA_FAILURE, True, reason, message)
        return
    failed = [o for o in inputs.observed if not o.alive]
    put(
        rc.ConditionType.REPLICA_FAILURE,
        bool(failed),
        rc.ConditionReason.NODE_FAILED,
        "; ".join(f"{o.name} exited, restart {o.restarts}" for o in failed),
    )


def _head_condition(put: Any, suspended: bool, head: Observed | None, head_ready: bool) -> None:
    if head is None:
        put(
            rc.ConditionType.HEAD_POD_READY,
            False,
            rc.ConditionReason.HEAD_POD_NOT_FOUND,
            "the cluster is suspended" if suspended else "the head node is being created",
        )
    elif head_ready:
        put(rc.ConditionType.HEAD_POD_READY, True, rc.ConditionReason.HEAD_POD_READY)
    else:
        message = "the head process exited" if not head.alive else "the head is starting"
        put(rc.ConditionType.HEAD_POD_READY, False, rc.ConditionReason.HEAD_POD_NOT_READY, message)


def _version_condition(put: Any, inputs: StatusInputs) -> None:
    wanted = inputs.cluster.spec.ray_version
    installed = inputs.installed_ray_version
    if wanted and wanted != installed:
        put(
            rc.ConditionType.RAY_VERSION_MISMATCH,
            True,
            rc.ConditionReason.VERSION_MISMATCH,
            f"spec.rayVersion is {wanted} but this machine runs Ray {installed}; "
            f"the cluster uses Ray {installed}",
        )
    elif wanted:
        put(rc.ConditionType.RAY_VERSION_MISMATCH, False, rc.ConditionReason.VERSION_MATCH)
