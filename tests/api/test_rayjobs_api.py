"""The RayJob REST API as a client sees it, over the in-memory platform."""

from __future__ import annotations

import httpx

from tests.support.samples import rayjob

BASE = "/api/v1/namespaces/default/rayjobs"


async def test_create_and_read_a_rayjob(api: httpx.AsyncClient) -> None:
    response = await api.post(BASE, json=rayjob("hello"))
    assert response.status_code == 201, response.text
    body = (await api.get(f"{BASE}/hello")).json()
    assert body["kind"] == "RayJob" and body["spec"]["entrypoint"] == "python -c 'print(42)'"
    assert body["status"]["jobDeploymentStatus"] == "Complete"


async def test_invalid_rayjob_is_422_naming_each_field_and_not_stored(
    api: httpx.AsyncClient,
) -> None:
    body = rayjob("j" * 48, suspend=True, ttlSecondsAfterFinished=5)
    response = await api.post(BASE, json=body)
    assert response.status_code == 422
    causes = {c["field"] for c in response.json()["details"]["causes"]}
    assert {"metadata.name", "spec.suspend", "spec.ttlSecondsAfterFinished"} <= causes
    assert (await api.get(BASE)).json()["total"] == 0


async def test_status_filter_matches_either_status_field(api: httpx.AsyncClient) -> None:
    await api.post(BASE, json=rayjob("done"))
    await api.post(BASE, json=rayjob("asleep", suspend=True, shutdownAfterJobFinishes=True))
    for status, names in (
        ("SUCCEEDED", ["done"]),
        ("complete", ["done"]),
        ("suspended", ["asleep"]),
    ):
        page = (await api.get(BASE, params={"status": status})).json()
        assert [i["metadata"]["name"] for i in page["items"]] == names, status


async def test_a_finished_job_cannot_be_stopped_and_a_running_one_needs_no_stop_to_delete(
    api: httpx.AsyncClient,
) -> None:
    await api.post(BASE, json=rayjob("over"))
    refused = await api.post(f"{BASE}/over/stop")
    assert refused.status_code == 409 and "finished" in refused.json()["message"]
    assert (await api.delete(f"{BASE}/over")).status_code == 200


async def test_start_resumes_only_a_suspended_job(api: httpx.AsyncClient) -> None:
    await api.post(BASE, json=rayjob("paused", suspend=True, shutdownAfterJobFinishes=True))
    resumed = await api.post(f"{BASE}/paused/start")
    assert resumed.status_code == 200 and resumed.json()["spec"]["suspend"] is False
    again = await api.post(f"{BASE}/paused/start")
    assert again.status_code == 409 and "runs once" in again.json()["message"]


async def test_a_rayjob_whose_submitter_pod_submits_is_accepted_without_an_entrypoint(
    api: httpx.AsyncClient,
) -> None:
    body = rayjob("light", entrypoint="")
    container = {"name": "submit", "image": "i", "command": ["/submitter"], "args": ["--", "ls"]}
    body["spec"]["submitterPodTemplate"] = {"spec": {"containers": [container]}}
    response = await api.post(BASE, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["spec"]["submissionMode"] == "K8sJobMode"
