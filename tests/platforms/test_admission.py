"""The admission decision: quotas, machine capacity, and the order of the queue."""

from __future__ import annotations

from raydeck.platforms.admission import Capacity, Demand, decide, priority_of, queue_order
from raydeck.store.accounts import QuotaRecord
from raydeck.store.records import ObjectKey

UNLIMITED = Capacity(None, None, None)


def demand(
    name: str,
    *,
    cpu: int = 1,
    created: str = "2026-01-01T00:00:00Z",
    priority: int = 0,
    namespace: str = "team",
) -> Demand:
    return Demand(ObjectKey("RayCluster", namespace, name), priority, created, cpu * 1000, 0, 0)


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
    assert second.reason == "it needs 2 CPU and the quota of namespace 'team' has 1 of 4 free"


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
        "it needs 2 CPU and this machine has 1 of 4 free"
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
