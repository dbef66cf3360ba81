"""Ray's token authentication on local clusters: Ray refuses callers without the cluster's token."""

from __future__ import annotations

import httpx
import pytest

from tests.support.local_app import local_raydeck
from tests.support.ray_token import node_environ, ray_headers
from tests.support.samples import raycluster, rayjob
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/default/rayclusters"


async def test_jobs_api_refuses_requests_without_the_clusters_token_and_raydeck_still_works() -> (
    None
):
    async with local_raydeck(termination_grace_seconds=3.0) as api:
        assert (await api.post(BASE, json=raycluster("guarded", workers=1, cpu="1"))).is_success

        async def status() -> dict[str, object]:
            found: dict[str, object] = (await api.get(f"{BASE}/guarded")).json().get("status") or {}
            return found

        async def ready() -> bool:
            now = await status()
            return now.get("state") == "ready" and now.get("readyWorkerReplicas") == 1

        try:
            await eventually(ready, timeout=180, what="guarded ready with its worker")
        except AssertionError as e:  # say what the cluster went through
            events = (await api.get(f"{BASE}/guarded/events")).json()["items"]
            head_log = (await api.get(f"{BASE}/guarded/logs", params={"tail": 40})).text
            raise AssertionError(
                f"{e}; status {await status()}; events {events}; head log:\n{head_log}"
            ) from None
        cluster = (await api.get(f"{BASE}/guarded")).json()
        pods = (await api.get(f"{BASE}/guarded/pods")).json()["items"]
        environs = [node_environ(p["pid"]) for p in pods]
        assert {e["RAY_AUTH_MODE"] for e in environs} == {"token"}
        assert len({e["RAY_AUTH_TOKEN"] for e in environs}) == 1  # worker joined with it
        jobs_url = f"http://127.0.0.1:{cluster['status']['endpoints']['dashboard']}/api/jobs/"
        async with httpx.AsyncClient(timeout=10) as ray:
            assert (await ray.get(jobs_url)).status_code == 401
            forged = await ray.get(jobs_url, headers={"Authorization": "Bearer " + "0" * 64})
            assert forged.status_code == 403
            submit = await ray.post(jobs_url, json={"entrypoint": "echo pwned"})
            assert submit.status_code == 401
            allowed = await ray.get(jobs_url, headers=ray_headers(pods[0]["pid"]))
            assert allowed.status_code == 200 and allowed.json() == []

        job = rayjob("on-guarded", entrypoint="python -c 'print(6 * 7)'")
        job["spec"].pop("rayClusterSpec")
        job["spec"]["clusterSelector"] = {"ray.io/cluster": "guarded"}
        assert (await api.post("/api/v1/namespaces/default/rayjobs", json=job)).is_success

        async def finished() -> dict[str, str] | None:
            got = await api.get("/api/v1/namespaces/default/rayjobs/on-guarded")
            status = got.json().get("status") or {}
            return status if status.get("jobDeploymentStatus") in ("Complete", "Failed") else None

        status = await eventually(finished, timeout=120, what="the job through the token")
        assert status["jobStatus"] == "SUCCEEDED"
        assert "42" in (await api.get("/api/v1/namespaces/default/rayjobs/on-guarded/logs")).text
