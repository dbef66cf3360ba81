"""Kueue's Workloads as an index of admissions, and the queue it lists: pure, no API server."""

from __future__ import annotations

from typing import Any

from raydeck.platforms.kubernetes.kueue import Admissions


def workload(
    name: str, owner: str, *, priority: int = 0, created: str = "2026-01-02T03:04:05Z", **true: bool
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "uid": f"w-{name}",
            "namespace": "team-a",
            "creationTimestamp": created,
            "ownerReferences": [{"kind": "RayJob", "name": owner, "uid": f"u-{owner}"}],
        },
        "spec": {"queueName": "team", "priority": priority, "podSets": []},
        "status": {
            "conditions": [{"type": t, "status": "True" if v else "False"} for t, v in true.items()]
        },
    }


def test_the_queue_lists_waiting_workloads_by_priority_then_age_and_admitted_ones_last() -> None:
    admissions = Admissions()
    changed = admissions.replace_all(
        [
            workload("old", "a", created="2026-01-01T00:00:00Z"),
            workload("new", "b", created="2026-01-03T00:00:00Z"),
            workload("urgent", "c", priority=9, created="2026-01-04T00:00:00Z"),
            workload("running", "d", Admitted=True),
            workload("done", "e", Admitted=True, Finished=True),
            workload("orphan", "f") | {"metadata": {"name": "orphan", "uid": "w-orphan"}},
        ]
    )
    assert changed == {"u-a", "u-b", "u-c", "u-d", "u-e"}
    queue = admissions.queue("team-a")
    assert [(e["name"], e["position"]) for e in queue] == [("c", 1), ("a", 2), ("b", 3), ("d", 0)]
    assert queue[0]["kueue"]["state"] == "pending" and admissions.queue("team-b") == []


def test_a_deleted_workload_forgets_its_owners_admission_unless_kueue_made_a_new_one() -> None:
    admissions = Admissions()
    admissions.replace_all([workload("first", "a")])
    assert admissions.apply(workload("second", "a", QuotaReserved=True), deleted=False) == "u-a"
    assert admissions.apply(workload("first", "a"), deleted=True) == "u-a"
    kept = admissions.get("u-a")
    assert kept is not None and (kept.workload, kept.state) == ("second", "quotaReserved")
    assert admissions.apply(workload("second", "a"), deleted=True) == "u-a"
    assert admissions.get("u-a") is None
    assert admissions.replace_all([]) == set()
