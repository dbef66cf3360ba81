"""What managers answer with is typed, and the JSON the API sends of it keeps its shape."""

from __future__ import annotations

import httpx
import pytest

from raydeck.errors import InvalidInput
from raydeck.managers.objects import DeleteOutcome
from raydeck.managers.quotas import QueueEntry, QuotaLimits, parse_quota
from raydeck.store.accounts import QuotaRecord
from tests.support.samples import rayjob

JOBS = "/api/v1/namespaces/default/rayjobs"


def test_a_quota_reads_as_users_write_it_with_null_for_unlimited() -> None:
    quota = parse_quota("ns", {"cpu": "1500m", "memory": "4Gi", "nodesPerCluster": 3})
    assert quota == QuotaRecord("ns", cpu_millis=1500, memory_bytes=4 * 2**30, nodes_per_cluster=3)
    assert QuotaLimits.of(quota).to_wire() == {
        "cpu": "1500m",
        "memory": "4Gi",
        "gpu": None,
        "clusters": None,
        "nodes": None,
        "nodesPerCluster": 3,
    }


def test_a_quota_field_that_is_no_scalar_is_named_not_a_crash() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_quota("ns", {"cpu": [1], "memory": {"a": 1}, "gpu": True, "clusters": "2"})
    assert {e.path for e in raised.value.errors} == {"cpu", "memory", "gpu", "clusters"}


def test_a_queue_entry_of_an_outside_queue_keeps_its_own_fields() -> None:
    wire = {
        "kind": "RayJob",
        "name": "j",
        "namespace": "ns",
        "position": 1,
        "priority": 0,
        "createdAt": "2026-01-01T00:00:00Z",
        "reason": "waits for quota",
        "requests": {"cpu": "1", "memory": "1Gi", "gpu": 0},
        "kueue": {"workload": "job-j"},
    }
    entry = QueueEntry.model_validate(wire)
    assert entry.created_at == "2026-01-01T00:00:00Z" and entry.requests.nodes is None
    assert entry.to_wire() == wire


def test_a_delete_outcome_is_the_json_the_batch_delete_answers() -> None:
    assert DeleteOutcome(name="a", deleted=False, reason="InvalidState", message="m").to_wire() == {
        "name": "a",
        "deleted": False,
        "reason": "InvalidState",
        "message": "m",
    }


async def test_a_finished_rayjob_cannot_be_stopped_and_a_running_one_not_started(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.post(JOBS, json=rayjob("done"))).status_code == 201
    stopped = await api.post(f"{JOBS}/done/stop")
    assert stopped.status_code == 409
    assert "RayJob default/done has already finished" in stopped.json()["message"]
    started = await api.post(f"{JOBS}/done/start")
    assert started.status_code == 409 and "is not suspended" in started.json()["message"]


async def test_a_suspended_rayjob_starts_and_a_waiting_one_is_asked_to_stop(
    api: httpx.AsyncClient,
) -> None:
    body = rayjob("asleep", suspend=True, shutdownAfterJobFinishes=True)
    assert (await api.post(JOBS, json=body)).status_code == 201
    stopped = await api.post(f"{JOBS}/asleep/stop")
    assert stopped.status_code == 200, stopped.text
    assert "raydeck.io/stop-requested" in stopped.json()["metadata"]["annotations"]
    started = await api.post(f"{JOBS}/asleep/start")
    assert started.status_code == 200, started.text
    assert started.json()["spec"]["suspend"] is False
    assert started.json()["status"]["jobDeploymentStatus"] == "Complete"
