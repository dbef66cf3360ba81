"""RayClusters on the local platform against real Ray: one cluster taken through its whole life.

The steps share one cluster (module fixture) because each real start costs
seconds on a small machine; they run in file order and each leaves the cluster
in the state the next expects.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.local_app import local_raydeck
from tests.support.procs import pids_where
from tests.support.ray_token import ray_headers
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/default/rayclusters"
NAME = "life"


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with local_raydeck(
        restart_backoff_initial=0.5, termination_grace_seconds=3.0, resync_seconds=0.5
    ) as client:
        yield client


async def get(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get(f"{BASE}/{NAME}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def pods(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await api.get(f"{BASE}/{NAME}/pods")).json()["items"]
    return items


async def ray_nodes(cluster: dict[str, Any]) -> list[dict[str, Any]]:
    """What Ray itself reports: alive nodes with their IP and CPUs (asked with the Ray token)."""
    port = cluster["status"]["endpoints"]["dashboard"]
    any_node = cluster_pids(cluster["metadata"]["uid"])[0]
    async with httpx.AsyncClient(timeout=5, headers=ray_headers(any_node)) as client:
        summary = (await client.get(f"http://127.0.0.1:{port}/nodes?view=summary")).json()
    return [
        {
            "ip": n["raylet"]["nodeManagerAddress"],
            "cpu": n["raylet"]["resourcesTotal"].get("CPU"),
            "port": n["raylet"]["nodeManagerPort"],
        }
        for n in summary["data"]["summary"]
        if n["raylet"]["state"] == "ALIVE"
    ]


async def ready_with(api: httpx.AsyncClient, workers: int, timeout: float = 120) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        cluster = await get(api)
        status = cluster.get("status") or {}
        done = (
            status.get("state") == "ready"
            and status.get("readyWorkerReplicas") == workers
            and status.get("desiredWorkerReplicas") == workers
            and len(await pods(api)) == workers + 1
        )
        return cluster if done else None

    return await eventually(
        probe, timeout=timeout, interval=0.3, what=f"ready with {workers} workers"
    )


def cluster_pids(cluster_uid: str) -> list[int]:
    """Every process on the machine whose raydeck tag names this cluster."""
    tag = b"RAYDECK_PROCESS_TAG=raydeck:"
    uid = f":{cluster_uid}/".encode()
    return pids_where(lambda env: any(e.startswith(tag) and uid in e for e in env))


async def test_head_and_two_workers_become_ready_and_ray_sees_three_nodes(
    api: httpx.AsyncClient,
) -> None:
    body = raycluster(NAME, workers=2, cpu="1", memory="1Gi", ray_version="2.9.0")
    assert (await api.post(BASE, json=body)).status_code == 201
    cluster = await ready_with(api, 2)
    nodes = await ray_nodes(cluster)
    assert len(nodes) == 3
    assert {n["ip"] for n in nodes} == {"127.0.0.1"}
    assert [n["cpu"] for n in nodes] == [1.0, 1.0, 1.0]
    status = cluster["status"]
    assert set(status["endpoints"]) == {"client", "dashboard", "gcs-server", "metrics", "serve"}
    assert (status["desiredCPU"], status["desiredMemory"]) == ("3", "3Gi")
    types = {c["type"]: c["status"] for c in status["conditions"]}
    assert types["HeadPodReady"] == "True" and types["RayClusterProvisioned"] == "True"
    assert types["RayVersionMismatch"] == "True"
    events = {e["reason"] for e in (await api.get(f"{BASE}/{NAME}/events")).json()["items"]}
    assert {"CreatedNode", "StateChanged", "RayVersionMismatch"} <= events
    uid = cluster["metadata"]["uid"]
    for pid in cluster_pids(uid):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert b"/tmp/ray/" not in cmdline, "Ray files must live under raydeck's data dir"


async def test_head_log_is_served_and_names_the_ray_start(api: httpx.AsyncClient) -> None:
    log = (await api.get(f"{BASE}/{NAME}/logs", params={"tail": 200})).text
    assert "Ray runtime started" in log or "--block" in log


async def test_scale_up_to_three_then_down_to_one(api: httpx.AsyncClient) -> None:
    cluster = await get(api)
    group = cluster["spec"]["workerGroupSpecs"][0]
    patch = {"spec": {"workerGroupSpecs": [group | {"replicas": 3}]}}
    assert (await api.patch(f"{BASE}/{NAME}", json=patch)).status_code == 200
    cluster = await ready_with(api, 3)
    assert len(await ray_nodes(cluster)) == 4
    patch = {"spec": {"workerGroupSpecs": [group | {"replicas": 1}]}}
    assert (await api.patch(f"{BASE}/{NAME}", json=patch)).status_code == 200
    cluster = await ready_with(api, 1)

    async def two_alive() -> bool:
        return len(await ray_nodes(cluster)) == 2

    await eventually(two_alive, timeout=60, what="Ray to list 2 alive nodes")


async def test_workers_to_delete_replaces_the_named_worker(api: httpx.AsyncClient) -> None:
    cluster = await get(api)
    worker = next(p["name"] for p in await pods(api) if p["nodeType"] == "worker")
    group = cluster["spec"]["workerGroupSpecs"][0] | {
        "scaleStrategy": {"workersToDelete": [worker]}
    }
    assert (
        await api.patch(f"{BASE}/{NAME}", json={"spec": {"workerGroupSpecs": [group]}})
    ).status_code == 200

    async def replaced() -> bool:
        names = [p["name"] for p in await pods(api) if p["nodeType"] == "worker"]
        return worker not in names and len(names) == 1

    await eventually(replaced, timeout=60, what=f"{worker} to be replaced")
    await ready_with(api, 1)


async def test_killed_worker_is_restarted_and_counted(api: httpx.AsyncClient) -> None:
    worker = next(p for p in await pods(api) if p["nodeType"] == "worker")
    os.killpg(os.getpgid(worker["pid"]), signal.SIGKILL)

    async def restarted() -> dict[str, Any] | None:
        current = next((p for p in await pods(api) if p["name"] == worker["name"]), None)
        ok = (
            current
            and current["restarts"] == 1
            and current["ready"]
            and current["pid"] != worker["pid"]
        )
        return current if ok else None

    await eventually(restarted, timeout=90, what="the killed worker to come back")
    cluster = await ready_with(api, 1)

    async def dead_one_dropped() -> bool:
        # Ray lists the killed raylet as alive until its health check notices (up to ~30 s).
        return len(await ray_nodes(cluster)) == 2

    await eventually(dead_one_dropped, timeout=90, what="Ray to drop the killed node")
    events = {e["reason"] for e in (await api.get(f"{BASE}/{NAME}/events")).json()["items"]}
    assert {"NodeFailed", "RestartedNode"} <= events


async def test_stop_leaves_no_ray_process_of_the_cluster(api: httpx.AsyncClient) -> None:
    uid = (await get(api))["metadata"]["uid"]
    assert cluster_pids(uid)
    assert (await api.post(f"{BASE}/{NAME}/stop")).status_code == 200

    async def suspended() -> bool:
        return (await get(api)).get("status", {}).get("state") == "suspended"

    await eventually(suspended, timeout=60, what="the cluster to be suspended")
    assert cluster_pids(uid) == []
    assert await pods(api) == []
    conditions = {c["type"]: c["status"] for c in (await get(api))["status"]["conditions"]}
    assert (
        conditions["RayClusterSuspended"] == "True"
        and conditions["RayClusterSuspending"] == "False"
    )


async def test_start_again_brings_the_cluster_back(api: httpx.AsyncClient) -> None:
    assert (await api.post(f"{BASE}/{NAME}/start")).status_code == 200
    cluster = await ready_with(api, 1)
    assert len(await ray_nodes(cluster)) == 2


async def test_delete_requires_stop_then_removes_processes_and_files(
    api: httpx.AsyncClient,
) -> None:
    refused = await api.delete(f"{BASE}/{NAME}")
    assert refused.status_code == 409
    uid = (await get(api))["metadata"]["uid"]
    await api.post(f"{BASE}/{NAME}/stop")

    async def deletable() -> bool:
        return (await api.delete(f"{BASE}/{NAME}")).status_code == 200

    await eventually(deletable, timeout=60, what="delete to be accepted once suspended")
    assert (await api.get(f"{BASE}/{NAME}")).status_code == 404
    assert cluster_pids(uid) == []
