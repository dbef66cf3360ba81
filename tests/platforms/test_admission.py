"""The admission decision: quotas, machine capacity, and the order of the queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from raydeck.platforms.admission import (
    Capacity,
    Demand,
    capacity_from,
    decide,
    machine_capacity,
    never_admitted,
    priority_of,
    queue_order,
    requested_need,
)
from raydeck.platforms.local.nodes import cluster_need
from raydeck.settings import LocalPlatformSettings
from raydeck.store.accounts import QuotaRecord
from raydeck.store.records import ObjectKey

UNLIMITED = Capacity(None, None, None)
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "raycluster.yaml"


def demand(
    name: str,
    *,
    cpu: int = 1,
    created: str = "2026-01-01T00:00:00Z",
    priority: int = 0,
    namespace: str = "team",
    nodes: int = 1,
    memory: int = 0,
    service: str = "",
) -> Demand:
    return Demand(
        ObjectKey("RayCluster", namespace, name),
        priority,
        created,
        cpu * 1000,
        memory,
        0,
        nodes=nodes,
        service=service,
    )


def test_queue_is_ordered_by_priority_then_creation_time() -> None:
    waiting = [
        demand("late-low", created="2026-01-01T00:00:03Z"),
        demand("early-low", created="2026-01-01T00:00:01Z"),
        demand("late-high", created="2026-01-01T00:00:04Z", priority=10),
        demand("early-high", created="2026-01-01T00:00:02Z", priority=10),
        demand("negative", created="2026-01-01T00:00:00Z", priority=-1),
    ]
    assert [d.key.name for d in queue_order(waiting)] == [
        "early-high",
        "late-high",
        "early-low",
        "late-low",
        "negative",
    ]


def test_a_cluster_over_the_namespace_quota_waits_with_its_place_and_reason() -> None:
    quotas = {"team": QuotaRecord("team", cpu_millis=4000)}
    decided = decide(
        running=[demand("first", cpu=3)],
        waiting=[
            demand("second", cpu=2, created="2026-01-01T00:00:01Z"),
            demand("third", cpu=2, created="2026-01-01T00:00:02Z"),
        ],
        quotas=quotas,
        machine=UNLIMITED,
    )
    second = decided[ObjectKey("RayCluster", "team", "second")]
    third = decided[ObjectKey("RayCluster", "team", "third")]
    assert (second.admitted, second.position, third.position) == (False, 1, 2)
    assert second.reason == (
        "it needs 2 CPU and the quota of namespace 'team' (field cpu) has 1 of 4 free"
    )


def test_the_first_in_line_is_admitted_when_capacity_frees_and_the_next_keeps_waiting() -> None:
    quotas = {"team": QuotaRecord("team", cpu_millis=4000)}
    decided = decide(
        running=[],
        waiting=[
            demand("low", cpu=3, created="2026-01-01T00:00:01Z"),
            demand("high", cpu=3, created="2026-01-01T00:00:02Z", priority=5),
        ],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert decided[ObjectKey("RayCluster", "team", "high")].admitted
    low = decided[ObjectKey("RayCluster", "team", "low")]
    assert not low.admitted and low.position == 1


def test_cluster_count_quota_and_other_namespaces_are_independent() -> None:
    quotas = {"team": QuotaRecord("team", clusters=1)}
    decided = decide(
        running=[demand("running")],
        waiting=[demand("blocked"), demand("elsewhere", namespace="other")],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert (
        "allows 1 running cluster(s) and 1 run"
        in decided[ObjectKey("RayCluster", "team", "blocked")].reason
    )
    assert decided[ObjectKey("RayCluster", "other", "elsewhere")].admitted


def test_machine_capacity_counts_every_namespace_and_says_when_it_can_never_fit() -> None:
    machine = Capacity(cpu_millis=4000, memory_bytes=None, gpu=None)
    decided = decide(
        running=[demand("a", cpu=3, namespace="x")],
        waiting=[demand("b", cpu=2, namespace="y"), demand("huge", cpu=8, namespace="y")],
        quotas={},
        machine=machine,
    )
    assert decided[ObjectKey("RayCluster", "y", "b")].reason == (
        "it needs 2 CPU and this machine (setting RAYDECK_LOCAL__CAPACITY_CPU) has 1 of 4 free"
    )
    assert "more than it will ever have" in decided[ObjectKey("RayCluster", "y", "huge")].reason


def test_best_effort_a_smaller_cluster_behind_a_blocked_one_may_start() -> None:
    quotas = {"team": QuotaRecord("team", cpu_millis=4000)}
    decided = decide(
        running=[demand("running", cpu=2)],
        waiting=[
            demand("big", cpu=3, created="2026-01-01T00:00:01Z"),
            demand("small", cpu=1, created="2026-01-01T00:00:02Z"),
        ],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert not decided[ObjectKey("RayCluster", "team", "big")].admitted
    assert decided[ObjectKey("RayCluster", "team", "small")].admitted


def test_priority_label_is_an_integer_or_zero() -> None:
    assert priority_of({"raydeck.io/priority": "7"}) == 7
    assert priority_of({"raydeck.io/priority": "-2"}) == -2
    assert priority_of({"raydeck.io/priority": "high"}) == 0
    assert priority_of({}) == 0


# -- the default capacity ----------------------------------------------------------------------


def test_with_nothing_set_cpu_is_no_limit_and_memory_and_nodes_follow_the_machine() -> None:
    machine = machine_capacity()
    assert machine.cpu_millis is None and machine.gpu is None
    assert machine.memory_bytes is not None and machine.memory_bytes > 2**30
    assert machine.nodes == max(4, machine.memory_bytes // (512 * 2**20))
    assert capacity_from(LocalPlatformSettings()) == machine


def test_the_readme_example_on_two_cores_is_admitted_by_default() -> None:
    example = yaml.safe_load(EXAMPLE.read_text())
    need = cluster_need(example["spec"], detected_cpus=2)
    assert (need.cpu_millis, need.nodes) == (3000, 3)
    asked = Demand(
        ObjectKey("RayCluster", "default", "raycluster-sample"),
        0,
        "2026-01-01T00:00:00Z",
        need.cpu_millis,
        need.memory_bytes,
        need.gpu,
        nodes=need.nodes,
    )
    decided = decide(
        running=[], waiting=[asked], quotas={}, machine=capacity_from(LocalPlatformSettings())
    )
    assert decided[asked.key].admitted


def test_capacity_settings_are_hard_limits_when_set() -> None:
    local = LocalPlatformSettings(
        capacity_cpu=2, capacity_memory="4Gi", capacity_gpu=1, capacity_nodes=3
    )
    capacity = capacity_from(local)
    assert (capacity.cpu_millis, capacity.memory_bytes, capacity.gpu, capacity.nodes) == (
        2000,
        4 * 2**30,
        1,
        3,
    )
    decided = decide(running=[], waiting=[demand("three", cpu=3)], quotas={}, machine=capacity)
    assert (
        "setting RAYDECK_LOCAL__CAPACITY_CPU"
        in decided[ObjectKey("RayCluster", "team", "three")].reason
    )


# -- what a cluster counts ---------------------------------------------------------------------


def _spec(
    *,
    head_cpu: str | None = None,
    head_params: dict[str, str] | None = None,
    workers: list[tuple[str | None, int]] | None = None,
    worker_params: dict[str, str] | None = None,
    memory: str | None = None,
) -> dict[str, Any]:
    def template(cpu: str | None) -> dict[str, Any]:
        resources: dict[str, Any] = {}
        if cpu is not None or memory is not None:
            limits = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
            resources = {"requests": dict(limits), "limits": dict(limits)}
        container = {"name": "ray", "image": "rayproject/ray:2.52.0", "resources": resources}
        return {"spec": {"containers": [container]}}

    return {
        "headGroupSpec": {"rayStartParams": head_params or {}, "template": template(head_cpu)},
        "workerGroupSpecs": [
            {
                "groupName": f"g{i}",
                "replicas": count,
                "minReplicas": 0,
                "maxReplicas": 1000,
                "rayStartParams": worker_params or {},
                "template": template(cpu),
            }
            for i, (cpu, count) in enumerate(workers or [])
        ],
    }


def test_num_cpus_in_ray_start_params_counts_even_without_container_resources() -> None:
    spec = _spec(head_cpu="1", workers=[(None, 140)], worker_params={"num-cpus": "64"})
    need = cluster_need(spec, detected_cpus=2)
    assert (need.cpu_millis, need.nodes) == (1000 + 140 * 64_000, 141)


def test_a_node_told_no_cpu_count_counts_the_cpus_ray_detects() -> None:
    need = cluster_need(_spec(workers=[(None, 2)]), detected_cpus=8)
    assert need.cpu_millis == 3 * 8000


def test_a_node_counts_the_larger_of_what_ray_is_told_and_what_its_pod_requests() -> None:
    told_less = cluster_need(_spec(head_cpu="2", head_params={"num-cpus": "0"}), detected_cpus=2)
    told_more = cluster_need(_spec(head_cpu="1", head_params={"num-cpus": "6"}), detected_cpus=2)
    assert (told_less.cpu_millis, told_more.cpu_millis) == (2000, 6000)


def test_memory_and_gpus_in_ray_start_params_count() -> None:
    spec = _spec(head_cpu="1", head_params={"memory": str(3 * 2**30), "num-gpus": "2"})
    need = cluster_need(spec, detected_cpus=2)
    assert (need.memory_bytes, need.gpu) == (3 * 2**30, 2)


def test_a_groups_resources_field_counts_as_ray_start_flags() -> None:
    spec = _spec(head_cpu="1", workers=[(None, 2)])
    spec["workerGroupSpecs"][0]["resources"] = {"cpu": "5", "memory": "1Gi"}
    need = cluster_need(spec, detected_cpus=2)
    assert (need.cpu_millis, need.memory_bytes) == (1000 + 2 * 5000, 2 * 2**30)


def test_where_raydeck_does_not_launch_nodes_the_pods_requests_count() -> None:
    spec = _spec(head_cpu="1", workers=[("2", 3)], worker_params={"num-cpus": "64"})
    need = requested_need(spec)
    assert (need.cpu_millis, need.nodes) == (7000, 4)


# -- nodes -------------------------------------------------------------------------------------


def test_a_namespace_node_quota_holds_a_cluster_back_until_nodes_free() -> None:
    quotas = {"team": QuotaRecord("team", nodes=4)}
    decided = decide(
        running=[demand("running", nodes=3)],
        waiting=[demand("two", nodes=2)],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert decided[ObjectKey("RayCluster", "team", "two")].reason == (
        "it needs 2 nodes and the quota of namespace 'team' (field nodes) has 1 of 4 free"
    )


def test_a_cluster_with_more_nodes_than_the_per_cluster_quota_can_never_start() -> None:
    quota = QuotaRecord("team", nodes_per_cluster=10)
    assert never_admitted(demand("big", nodes=141), quota, UNLIMITED) == (
        "it has 141 nodes and the quota of namespace 'team' (field nodesPerCluster) allows 10 "
        "per cluster"
    )
    assert never_admitted(demand("fits", nodes=10), quota, UNLIMITED) is None


def test_the_machine_node_capacity_counts_every_namespace() -> None:
    machine = Capacity(None, None, None, nodes=4)
    decided = decide(
        running=[demand("a", nodes=3, namespace="x")],
        waiting=[demand("b", nodes=2, namespace="y")],
        quotas={},
        machine=machine,
    )
    assert (
        "setting RAYDECK_LOCAL__CAPACITY_NODES" in decided[ObjectKey("RayCluster", "y", "b")].reason
    )


def test_never_admitted_names_the_whole_quota_and_ignores_what_runs() -> None:
    quota = QuotaRecord("team", cpu_millis=4000, clusters=0)
    assert "allows 0 running cluster(s)" in (never_admitted(demand("c"), quota, UNLIMITED) or "")
    cpu_only = QuotaRecord("team", cpu_millis=4000)
    assert never_admitted(demand("c", cpu=4), cpu_only, UNLIMITED) is None
    assert "has 4 of 4 free (more than it will ever have)" in (
        never_admitted(demand("c", cpu=5), cpu_only, UNLIMITED) or ""
    )


# -- a RayService's upgrade --------------------------------------------------------------------


def test_a_rayservice_new_cluster_replaces_its_old_one_instead_of_waiting_behind_it() -> None:
    quotas = {"team": QuotaRecord("team", cpu_millis=2000, clusters=1)}
    decided = decide(
        running=[demand("svc-old", cpu=2, service="uid-svc")],
        waiting=[demand("svc-new", cpu=2, service="uid-svc")],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert decided[ObjectKey("RayCluster", "team", "svc-new")].admitted


def test_the_replacement_credit_is_only_for_the_same_rayservice() -> None:
    quotas = {"team": QuotaRecord("team", cpu_millis=2000)}
    decided = decide(
        running=[demand("svc-old", cpu=2, service="uid-svc")],
        waiting=[
            demand("other-new", cpu=2, service="uid-other"),
            demand("plain", cpu=1),
        ],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert not decided[ObjectKey("RayCluster", "team", "other-new")].admitted
    assert not decided[ObjectKey("RayCluster", "team", "plain")].admitted


def test_while_both_clusters_of_an_upgrade_run_others_wait() -> None:
    quotas = {"team": QuotaRecord("team", cpu_millis=4000)}
    decided = decide(
        running=[demand("svc-old", cpu=2, service="uid-svc")],
        waiting=[
            demand("svc-new", cpu=2, service="uid-svc", created="2026-01-01T00:00:01Z"),
            demand("plain", cpu=1, created="2026-01-01T00:00:02Z"),
        ],
        quotas=quotas,
        machine=UNLIMITED,
    )
    assert decided[ObjectKey("RayCluster", "team", "svc-new")].admitted
    assert "has 0 of 4 free" in decided[ObjectKey("RayCluster", "team", "plain")].reason


def test_memory_in_messages_is_exact_where_round_and_a_tenth_of_a_gib_otherwise() -> None:
    machine = Capacity(None, memory_bytes=24683664 * 1024, gpu=None)
    reason = never_admitted(demand("big", memory=32 * 2**30), QuotaRecord("team"), machine)
    assert reason == (
        "it needs 32Gi memory and this machine (setting RAYDECK_LOCAL__CAPACITY_MEMORY) has "
        "23.5Gi of 23.5Gi free (more than it will ever have)"
    )
