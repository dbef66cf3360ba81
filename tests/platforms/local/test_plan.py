"""Reconcile decisions for local RayClusters, tested without processes and with a fake clock."""

from __future__ import annotations

from typing import Any

from raydeck.platforms.local.plan import (
    Backoff,
    NodeFailed,
    Observed,
    RestartNode,
    StartNode,
    StatusInputs,
    StopNode,
    cluster_status,
    plan_nodes,
)
from raydeck.resources.raycluster import RayCluster
from raydeck.store.records import PodRecord
from tests.support.samples import raycluster

BACKOFF = Backoff(initial=1.0, maximum=8.0)


def cluster(**kwargs: Any) -> RayCluster:
    return RayCluster.model_validate(raycluster("c", **kwargs))


def node(
    name: str,
    node_type: str = "worker",
    *,
    alive: bool = True,
    registered: bool = True,
    group: str = "workers",
    **data: Any,
) -> Observed:
    pod = PodRecord(
        name,
        "uid",
        "default",
        "c",
        "headgroup" if node_type == "head" else group,
        node_type,
        {"createdAt": data.pop("createdAt", name), **data},
    )  # type: ignore[arg-type]
    return Observed(pod, alive=alive, registered=registered)


def test_new_cluster_starts_only_its_head_first() -> None:
    plan = plan_nodes(cluster(workers=2), [], now=0, backoff=BACKOFF)
    assert plan.actions == [StartNode("headgroup", "head")]


def test_workers_start_together_once_the_head_is_ready() -> None:
    plan = plan_nodes(cluster(workers=2), [node("h", "head")], now=0, backoff=BACKOFF)
    assert plan.actions == [StartNode("workers", "worker")] * 2


def test_workers_wait_while_the_head_is_still_registering() -> None:
    plan = plan_nodes(
        cluster(workers=2), [node("h", "head", registered=False)], now=0, backoff=BACKOFF
    )
    assert plan.actions == []


def test_scale_down_stops_the_newest_workers() -> None:
    observed = [
        node("h", "head"),
        node("w1", createdAt="1"),
        node("w2", createdAt="2"),
        node("w3", createdAt="3"),
    ]
    plan = plan_nodes(cluster(workers=1), observed, now=0, backoff=BACKOFF)
    assert [a.name for a in plan.of(StopNode)] == ["w2", "w3"]


def test_workers_to_delete_are_stopped_and_replaced_to_keep_replicas() -> None:
    spec = raycluster("c", workers=2)
    spec["spec"]["workerGroupSpecs"][0]["scaleStrategy"] = {"workersToDelete": ["w1"]}
    observed = [node("h", "head"), node("w1"), node("w2")]
    plan = plan_nodes(RayCluster.model_validate(spec), observed, now=0, backoff=BACKOFF)
    assert plan.of(StopNode) == [StopNode("w1", "listed in scaleStrategy.workersToDelete")]
    assert plan.of(StartNode) == [StartNode("workers", "worker")]


def test_dead_node_is_marked_failed_with_backoff_then_restarted_when_due() -> None:
    dead = node("w1", alive=False, registered=False, restarts=2)
    plan = plan_nodes(cluster(workers=1), [node("h", "head"), dead], now=100, backoff=BACKOFF)
    assert plan.actions == [NodeFailed("w1", 4.0, "exited")]
    waiting = node(
        "w1", alive=False, registered=False, restarts=3, phase="Failed", nextRestartAt=104
    )
    assert (
        plan_nodes(
            cluster(workers=1), [node("h", "head"), waiting], now=103, backoff=BACKOFF
        ).actions
        == []
    )
    due = plan_nodes(cluster(workers=1), [node("h", "head"), waiting], now=104, backoff=BACKOFF)
    assert due.actions == [RestartNode("w1")]


def test_backoff_is_capped() -> None:
    dead = node("h", "head", alive=False, restarts=10)
    assert plan_nodes(cluster(workers=0), [dead], now=0, backoff=BACKOFF).actions == [
        NodeFailed("h", 8.0, "exited")
    ]


def test_a_node_that_never_registers_fails_after_the_start_timeout() -> None:
    stuck = node("h", "head", registered=False, spawnedAtMs=0)
    timing = Backoff(initial=1.0, maximum=8.0, start_timeout=30.0)
    assert plan_nodes(cluster(workers=0), [stuck], now=29, backoff=timing).actions == []
    (failed,) = plan_nodes(cluster(workers=0), [stuck], now=31, backoff=timing).actions
    assert isinstance(failed, NodeFailed) and "within 30s" in failed.why


def test_a_failed_node_still_running_is_restarted_not_failed_again() -> None:
    failed = node("h", "head", registered=False, phase="Failed", nextRestartAt=10, spawnedAtMs=0)
    assert plan_nodes(cluster(workers=0), [failed], now=11, backoff=BACKOFF).actions == [
        RestartNode("h")
    ]


def test_suspend_stops_every_node() -> None:
    observed = [node("h", "head"), node("w1")]
    plan = plan_nodes(cluster(suspend=True), observed, now=0, backoff=BACKOFF)
    assert {a.name for a in plan.of(StopNode)} == {"h", "w1"} and not plan.of(StartNode)


def test_removed_group_is_stopped() -> None:
    plan = plan_nodes(
        cluster(workers=0), [node("h", "head"), node("x", group="gone")], now=0, backoff=BACKOFF
    )
    assert plan.of(StopNode) == [StopNode("x", "worker group 'gone' was removed")]


def status(
    c: RayCluster,
    observed: list[Observed],
    previous: dict[str, Any] | None = None,
    *,
    stopping: bool = False,
    installed: str = "2.60.0",
) -> dict[str, Any]:
    inputs = StatusInputs(
        cluster=c,
        observed=observed,
        generation=3,
        now="2026-01-01T00:00:00Z",
        endpoints={"dashboard": "20001"},
        installed_ray_version=installed,
        stopping=stopping,
    )
    return cluster_status(previous, inputs)


def conditions(s: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in s["conditions"]}


def test_status_is_ready_with_kuberay_fields_when_all_nodes_registered() -> None:
    s = status(
        cluster(workers=2, cpu="2", memory="2Gi"), [node("h", "head"), node("w1"), node("w2")]
    )
    assert s["state"] == "ready"
    assert (s["desiredCPU"], s["desiredMemory"], s["desiredGPU"]) == ("6", "6Gi", "0")
    assert (s["readyWorkerReplicas"], s["availableWorkerReplicas"], s["desiredWorkerReplicas"]) == (
        2,
        2,
        2,
    )
    assert (s["minWorkerReplicas"], s["maxWorkerReplicas"]) == (0, 10)
    expected = {"HeadPodReady": "True", "RayClusterProvisioned": "True", "ReplicaFailure": "False"}
    assert expected.items() <= conditions(s).items()
    assert s["observedGeneration"] == 3 and s["endpoints"] == {"dashboard": "20001"}
    assert s["head"]["podIP"] == "127.0.0.1"


def test_state_stays_empty_until_every_worker_is_ready() -> None:
    s = status(cluster(workers=2), [node("h", "head"), node("w1"), node("w2", registered=False)])
    assert "state" not in s
    assert conditions(s)["RayClusterProvisioned"] == "False"


def test_provisioned_stays_true_and_ready_is_kept_after_a_worker_dies() -> None:
    ready = status(cluster(workers=1), [node("h", "head"), node("w1")])
    later = status(
        cluster(workers=1), [node("h", "head"), node("w1", alive=False, restarts=1)], ready
    )
    assert later["state"] == "ready"
    assert conditions(later)["RayClusterProvisioned"] == "True"
    assert conditions(later)["ReplicaFailure"] == "True"


def test_suspending_then_suspended() -> None:
    running = status(cluster(workers=1), [node("h", "head"), node("w1")])
    suspending = status(
        cluster(suspend=True), [node("h", "head"), node("w1")], running, stopping=True
    )
    assert conditions(suspending)["RayClusterSuspending"] == "True"
    assert conditions(suspending)["RayClusterSuspended"] == "False"
    done = status(cluster(suspend=True), [], suspending)
    assert done["state"] == "suspended"
    assert conditions(done)["RayClusterSuspending"] == "False"
    assert conditions(done)["RayClusterSuspended"] == "True"
    assert done["stateTransitionTimes"]["suspended"] == "2026-01-01T00:00:00Z"


def test_ray_version_mismatch_is_a_visible_condition() -> None:
    s = status(cluster(ray_version="2.9.0"), [node("h", "head")], installed="2.60.0")
    mismatch = next(c for c in s["conditions"] if c["type"] == "RayVersionMismatch")
    assert mismatch["status"] == "True" and "2.9.0" in mismatch["message"]


def test_last_update_time_moves_only_when_status_changes() -> None:
    first = status(cluster(workers=0), [node("h", "head")])
    first["lastUpdateTime"] = "earlier"
    again = status(cluster(workers=0), [node("h", "head")], first)
    assert again["lastUpdateTime"] == "earlier"
