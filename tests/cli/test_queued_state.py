"""The one word lists show for an object whose cluster waits in raydeck's admission queue."""

from __future__ import annotations

from raydeck.cli.output import job_row, queue_reason, render
from raydeck.resources.summary import summarize

QUEUE = {"position": 2, "reason": "it needs 3 CPU and this machine has 1 of 4 free"}


def test_a_raycluster_with_a_queue_entry_and_no_state_is_queued() -> None:
    assert summarize("RayCluster", {"spec": {}}, {"queue": QUEUE}).state == "queued"
    assert summarize("RayCluster", {"spec": {}}, {"queue": QUEUE, "state": "ready"}).state == (
        "ready"
    )
    stopped = summarize("RayCluster", {"spec": {"suspend": True}}, {"queue": QUEUE})
    assert stopped.state != "queued"


def test_a_rayjob_whose_cluster_waits_is_queued_and_says_why() -> None:
    status = {"jobDeploymentStatus": "Initializing", "rayClusterStatus": {"queue": QUEUE}}
    job = {"kind": "RayJob", "metadata": {"name": "j"}, "spec": {}, "status": status}
    assert summarize("RayJob", job, status).state == "queued"
    assert job_row(job, all_namespaces=False)[3] == "Queued"
    assert queue_reason(job) == "position 2: it needs 3 CPU and this machine has 1 of 4 free"


def test_a_rayservice_whose_first_cluster_waits_is_queued() -> None:
    status = {"conditions": [{"type": "Ready", "status": "False"}], "queue": QUEUE}
    assert summarize("RayService", {"spec": {}}, status).state == "queued"
    upgrading = {
        "conditions": [{"type": "UpgradeInProgress", "status": "True"}],
        "queue": QUEUE,
    }
    assert summarize("RayService", {"spec": {}}, upgrading).state == "upgrading"


def test_the_table_gets_a_reason_column_only_when_something_waits() -> None:
    waiting = {
        "kind": "RayCluster",
        "metadata": {"name": "w"},
        "spec": {},
        "status": {"queue": QUEUE},
    }
    running = {
        "kind": "RayCluster",
        "metadata": {"name": "r"},
        "spec": {},
        "status": {"state": "ready"},
    }
    assert "REASON" not in render([running], "table", all_namespaces=False, single=False)
    lines = render([running, waiting], "table", all_namespaces=False, single=False).splitlines()
    assert lines[0].split()[-1] == "REASON"
    assert lines[2].split()[:3] == ["w", "instance", "Queued"]
    assert lines[2].endswith("position 2: it needs 3 CPU and this machine has 1 of 4 free")
