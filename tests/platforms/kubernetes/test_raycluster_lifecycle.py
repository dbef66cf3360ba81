"""RayClusters through raydeck on a real API server, reconciled by the real KubeRay operator.

The local platform's lifecycle contract, where it applies on Kubernetes: create
→ KubeRay makes the pods → kwok runs them → raydeck shows ``ready`` with its
pods; stop → pods deleted → ``suspended``; start; stale writes and schema
errors; delete → owned pods and services garbage-collected. kwok runs no
containers, so nothing here looks inside Ray itself (the local tier does).
The steps share one cluster and run in file order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.platforms.kubernetes.client import KubeClient
from tests.platforms.kubernetes.conftest import KubeTestbed
from tests.support.kube_app import context_of, kube_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
NAME = "life"


@pytest.fixture(scope="module")
async def api(kubeconfig: Path, namespace: str) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:
        await eventually(
            lambda: _namespace_known(client, namespace), timeout=30, what=f"namespace {namespace}"
        )
        yield client


async def _namespace_known(api: httpx.AsyncClient, namespace: str) -> bool:
    return (await api.get(f"/api/v1/namespaces/{namespace}")).status_code == 200


def base(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/rayclusters"


async def get(api: httpx.AsyncClient, namespace: str) -> dict[str, Any]:
    response = await api.get(f"{base(namespace)}/{NAME}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def pods(api: httpx.AsyncClient, namespace: str) -> list[dict[str, Any]]:
    response = await api.get(f"{base(namespace)}/{NAME}/pods")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def ready_with(api: httpx.AsyncClient, namespace: str, workers: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        cluster = await get(api, namespace)
        status = cluster.get("status") or {}
        running = [p for p in await pods(api, namespace) if p["phase"] == "Running" and p["ready"]]
        done = (
            status.get("state") == "ready"
            and status.get("readyWorkerReplicas") == workers
            and len(running) == workers + 1
        )
        return cluster if done else None

    return await eventually(probe, timeout=120, interval=0.5, what=f"ready with {workers} workers")


async def test_cluster_becomes_ready_with_a_head_and_two_workers_running(
    api: httpx.AsyncClient, namespace: str
) -> None:
    body = raycluster(NAME, workers=2, cpu="1", memory="1Gi")
    created = await api.post(base(namespace), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["metadata"]["annotations"]["raydeck.io/creator"] == "admin"
    cluster = await ready_with(api, namespace, 2)
    assert cluster["status"]["desiredCPU"] == "3"
    assert cluster["status"]["desiredMemory"] == "3Gi"
    listed = await pods(api, namespace)
    assert [p["nodeType"] for p in listed] == ["head", "worker", "worker"]
    assert all(p["ip"] for p in listed), listed
    assert {p["group"] for p in listed} == {"headgroup", "workers"}


async def test_overview_allocates_what_the_pods_request(
    api: httpx.AsyncClient, namespace: str
) -> None:
    overview = await api.get("/api/v1/overview", params={"range": "10m", "namespace": namespace})
    assert overview.status_code == 200, overview.text
    body = overview.json()
    assert body["counts"]["rayClusters"] == 1 and body["counts"]["activeClusters"] == 1
    assert body["allocated"]["physical"]["cpu"] == 3  # head and two workers, 1 CPU each
    assert body["allocated"]["physical"]["memoryBytes"] == 3 * 1024**3


async def test_dashboard_endpoint_is_the_head_service_through_the_api_server_proxy(
    api: httpx.AsyncClient, namespace: str, kube: KubeClient
) -> None:
    urls = (await api.get(f"{base(namespace)}/{NAME}/endpoints")).json()
    service = f"{NAME}-head-svc"
    assert urls["dashboard"] == (
        f"{kube.server}/api/v1/namespaces/{namespace}/services/{service}:dashboard/proxy/"
    )
    found = await kube.request("GET", "v1", namespace=namespace, url=f"services/{service}")
    assert "dashboard" in {p["name"] for p in found["spec"]["ports"]}


async def test_events_from_the_operator_are_shown(api: httpx.AsyncClient, namespace: str) -> None:
    async def reasons() -> set[str] | None:
        response = await api.get(f"{base(namespace)}/{NAME}/events")
        found = {e["reason"] for e in response.json()["items"]}
        return found if {"CreatedHeadPod", "CreatedWorkerPod"} <= found else None

    await eventually(reasons, timeout=30, what="KubeRay's pod-creation events")


async def test_head_log_is_tailed_and_followed_through_the_api_server(
    api: httpx.AsyncClient, namespace: str, testbed: KubeTestbed
) -> None:
    # kwok runs no container: it serves the test bed's pod-log file (CRI format) for every pod.
    last = testbed.pod_log.read_text().splitlines()[-1].split(" ", 3)[3]
    tailed = await api.get(f"{base(namespace)}/{NAME}/logs", params={"tail": 1})
    assert tailed.status_code == 200, tailed.text
    assert tailed.text == f"{last}\n"
    # httpx's ASGI transport buffers whole responses, so the follow is read from the platform.
    context = context_of(api)
    admin = await context.auth.admin_principal()
    obj = await context.objects["rayclusters"].get(admin, namespace, NAME)
    marker = f"raydeck follows {uuid.uuid4().hex}"
    lines = context.platform.logs(obj, pod=None, tail=0, follow=True)

    async def followed() -> bool:
        async for line in lines:
            if line == f"{marker}\n":
                return True
        return False

    async def append() -> None:
        # The follow request opens at some point; lines appended after that must arrive.
        while True:
            with testbed.pod_log.open("a") as log:
                log.write(
                    f"{datetime.now(UTC).isoformat().replace('+00:00', 'Z')} stdout F {marker}\n"
                )
            await asyncio.sleep(0.5)

    writer = asyncio.create_task(append())
    try:
        assert await asyncio.wait_for(followed(), timeout=30)
    finally:
        writer.cancel()
        await lines.aclose()  # type: ignore[attr-defined]


async def test_stop_deletes_the_pods_and_the_cluster_shows_suspended(
    api: httpx.AsyncClient, namespace: str
) -> None:
    assert (await api.post(f"{base(namespace)}/{NAME}/stop")).status_code == 200

    async def suspended() -> bool:
        state = (await get(api, namespace)).get("status", {}).get("state")
        return state == "suspended" and await pods(api, namespace) == []

    await eventually(suspended, timeout=90, interval=0.5, what="suspended with no pods")
    conditions = {
        c["type"]: c["status"] for c in (await get(api, namespace))["status"]["conditions"]
    }
    assert conditions["RayClusterSuspended"] == "True"


async def test_start_brings_the_pods_back(api: httpx.AsyncClient, namespace: str) -> None:
    assert (await api.post(f"{base(namespace)}/{NAME}/start")).status_code == 200
    await ready_with(api, namespace, 2)


async def test_write_with_a_stale_resource_version_is_a_conflict(
    api: httpx.AsyncClient, namespace: str
) -> None:
    stale = await get(api, namespace)
    labelled = await api.patch(
        f"{base(namespace)}/{NAME}", json={"metadata": {"labels": {"team": "a"}}}
    )
    assert labelled.status_code == 200, labelled.text
    stale["metadata"]["labels"] = {"team": "b"}
    response = await api.put(f"{base(namespace)}/{NAME}", json=stale)
    assert response.status_code == 409, response.text
    assert "modified" in response.json()["message"]
    assert (await get(api, namespace))["metadata"]["labels"] == {"team": "a"}


async def test_a_spec_the_crd_schema_rejects_is_a_4xx_naming_the_field(
    api: httpx.AsyncClient, namespace: str
) -> None:
    body = raycluster("bad-port", workers=0)
    container = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    container["ports"] = [{"name": "gcs", "containerPort": "not-a-number"}]
    response = await api.post(base(namespace), json=body)
    assert response.status_code == 422, response.text
    assert "Kubernetes API server rejected" in response.json()["message"]  # not raydeck's check
    fields = [c["field"] for c in response.json()["details"]["causes"]]
    assert any("containerPort" in f for f in fields), fields
    assert (await api.get(f"{base(namespace)}/bad-port")).status_code == 404


async def test_delete_after_stop_garbage_collects_pods_and_services(
    api: httpx.AsyncClient, namespace: str, kube: KubeClient
) -> None:
    assert (await api.delete(f"{base(namespace)}/{NAME}")).status_code == 409
    assert (await api.post(f"{base(namespace)}/{NAME}/stop")).status_code == 200

    async def deleted() -> bool:
        return (await api.delete(f"{base(namespace)}/{NAME}")).status_code == 200

    await eventually(deleted, timeout=90, interval=0.5, what="delete to be accepted once suspended")
    assert (await api.get(f"{base(namespace)}/{NAME}")).status_code == 404

    async def collected() -> bool:
        selector = {"labelSelector": f"ray.io/cluster={NAME}"}
        left = [
            await kube.request("GET", "v1", namespace=namespace, url=plural, params=selector)
            for plural in ("pods", "services")
        ]
        return all(not page["items"] for page in left)

    await eventually(collected, timeout=90, interval=0.5, what="pods and services to be collected")
