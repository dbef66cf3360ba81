"""RayJobs and RayServices through raydeck on the test bed: KubeRay makes their RayClusters.

kwok runs pods without containers, so no Ray process ever starts: the
operator creates the cluster, its pods reach Running, a RayJob's submitter is
created and the RayJob reaches ``Running``, but no Ray job result or Serve
application can follow. These tests stop at what kwok can show and say so;
the local tier runs the jobs for real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.kube_app import kube_raydeck
from tests.support.samples import rayjob, rayservice
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes


@pytest.fixture(scope="module")
async def api(kubeconfig: Path, namespace: str) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:

        async def known() -> bool:
            return (await client.get(f"/api/v1/namespaces/{namespace}")).status_code == 200

        await eventually(known, timeout=30, what=f"namespace {namespace}")
        yield client


async def test_rayjob_gets_its_cluster_and_its_status_follows_the_operator(
    api: httpx.AsyncClient, namespace: str
) -> None:
    jobs = f"/api/v1/namespaces/{namespace}/rayjobs"
    body = rayjob("job1", shutdownAfterJobFinishes=True, ttlSecondsAfterFinished=600)
    created = await api.post(jobs, json=body)
    assert created.status_code == 201, created.text

    async def running() -> dict[str, Any] | None:
        job: dict[str, Any] = (await api.get(f"{jobs}/job1")).json()
        status = job.get("status") or {}
        return job if status.get("jobDeploymentStatus") == "Running" else None

    job = await eventually(running, timeout=120, interval=0.5, what="the RayJob to run")
    cluster_name = job["status"]["rayClusterName"]
    assert cluster_name.startswith("job1-")
    cluster = (await api.get(f"/api/v1/namespaces/{namespace}/rayclusters/{cluster_name}")).json()
    assert cluster["status"]["state"] == "ready"
    assert cluster["metadata"]["ownerReferences"][0]["kind"] == "RayJob"
    pods = (await api.get(f"{jobs}/job1/pods")).json()["items"]
    assert [p["nodeType"] for p in pods] == ["head"] and pods[0]["phase"] == "Running"
    listed = (await api.get(jobs)).json()["items"]
    assert [(j["metadata"]["name"], j["status"]["jobDeploymentStatus"]) for j in listed] == [
        ("job1", "Running")
    ]


async def test_deleting_a_rayjob_removes_its_cluster(
    api: httpx.AsyncClient, namespace: str
) -> None:
    assert (await api.delete(f"/api/v1/namespaces/{namespace}/rayjobs/job1")).status_code == 200

    async def gone() -> bool:
        clusters = (await api.get(f"/api/v1/namespaces/{namespace}/rayclusters")).json()
        return clusters["items"] == []

    await eventually(gone, timeout=90, interval=0.5, what="the RayJob's cluster to go")


async def test_rayservice_gets_its_cluster(api: httpx.AsyncClient, namespace: str) -> None:
    created = await api.post(f"/api/v1/namespaces/{namespace}/rayservices", json=rayservice("svc"))
    assert created.status_code == 201, created.text

    async def cluster() -> dict[str, Any] | None:
        items = (await api.get(f"/api/v1/namespaces/{namespace}/rayclusters")).json()["items"]
        mine = [c for c in items if c["metadata"]["name"].startswith("svc-")]
        return mine[0] if mine and (mine[0].get("status") or {}).get("state") == "ready" else None

    found = await eventually(cluster, timeout=120, interval=0.5, what="the RayService's cluster")
    assert found["metadata"]["ownerReferences"][0]["kind"] == "RayService"
    service = (await api.get(f"/api/v1/namespaces/{namespace}/rayservices/svc")).json()
    pending = service["status"]["pendingServiceStatus"]["rayClusterName"]
    assert pending == found["metadata"]["name"]
    pods = (await api.get(f"/api/v1/namespaces/{namespace}/rayservices/svc/pods")).json()["items"]
    assert [p["nodeType"] for p in pods] == ["head"]
