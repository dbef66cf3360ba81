"""Commands as KubeRay runs them, against real Ray: the overwrite annotation with the generated
``ray start`` line, shell-quoted rayStartParams, and a failing node's output in its event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.platforms.local.test_raycluster_lifecycle import cluster_pids
from tests.support.local_app import local_raydeck
from tests.support.ray_token import ray_headers
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/default/rayclusters"


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with local_raydeck(restart_backoff_initial=0.5, termination_grace_seconds=3.0) as client:
        yield client


async def test_overwritten_head_command_and_shell_quoted_worker_resources_reach_ready(
    api: httpx.AsyncClient,
) -> None:
    body = raycluster("kuberay-cmd", workers=1)
    body["metadata"]["annotations"] = {"ray.io/overwrite-container-cmd": "true"}
    head = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head["command"] = ["/bin/bash", "-c", "--"]
    head["args"] = ["echo head; $KUBERAY_GEN_RAY_START_CMD"]
    # As ray-job.resources.yaml writes it for KubeRay's shell line.
    worker = body["spec"]["workerGroupSpecs"][0]
    worker["rayStartParams"] = {"resources": '"{\\"resource1\\": 2}"'}
    assert (await api.post(BASE, json=body)).status_code == 201

    async def ready() -> dict[str, Any] | None:
        cluster: dict[str, Any] = (await api.get(f"{BASE}/kuberay-cmd")).json()
        status = cluster.get("status") or {}
        done = status.get("state") == "ready" and status.get("readyWorkerReplicas") == 1
        return cluster if done else None

    cluster = await eventually(ready, timeout=300, interval=0.5, what="ready with its worker")
    port = cluster["status"]["endpoints"]["dashboard"]
    node = cluster_pids(cluster["metadata"]["uid"])[0]
    async with httpx.AsyncClient(timeout=5, headers=ray_headers(node)) as client:
        summary = (await client.get(f"http://127.0.0.1:{port}/nodes?view=summary")).json()
    totals = [n["raylet"]["resourcesTotal"] for n in summary["data"]["summary"]]
    assert [t["resource1"] for t in totals if "resource1" in t] == [2.0]


async def test_a_node_that_exits_says_why_in_its_event(api: httpx.AsyncClient) -> None:
    body = raycluster("exits", workers=0)
    body["metadata"]["annotations"] = {"ray.io/overwrite-container-cmd": "true"}
    head = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head["command"] = ["/bin/sh", "-c", "echo 'settings.toml: no such file' >&2; exit 3"]
    assert (await api.post(BASE, json=body)).status_code == 201

    async def failed_event() -> str | None:
        events = (await api.get(f"{BASE}/exits/events")).json()["items"]
        found = [e["message"] for e in events if e["reason"] == "NodeFailed"]
        return found[0] if found else None

    message = await eventually(failed_event, timeout=120, interval=0.5, what="a NodeFailed event")
    assert "settings.toml: no such file" in message
