"""A RayService on the local platform, end to end against real Ray Serve.

The steps share one RayService (module fixture) because each real cluster costs
tens of seconds on this machine; they run in file order and each leaves the
service serving for the next. The namespace's quota has room for one of its
clusters only, so every upgrade also proves that the new cluster is admitted
in place of the old one. The applications are in ``apps/serve_apps.py``,
found by the Ray workers through ``PYTHONPATH`` in the cluster's container env.

Which transition happens when (failing applications, rejected configs, rollback,
deletion delays, suspend's steps) is unit-tested on a fake clock in
``service/test_plan.py``; these tests prove the wiring to real Ray Serve.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.local_app import local_raydeck
from tests.support.procs import pids_where
from tests.support.samples import SERVE_CONFIG, rayservice
from tests.support.waiting import eventually

APPS = str(Path(__file__).parent / "apps")
NAME = "svc"
URL = f"/api/v1/namespaces/default/rayservices/{NAME}"
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with local_raydeck() as client:
        # Room for one cluster of the service (num-cpus 2) and no more, as an admin's quota
        # sets it: an upgrade must still complete, its new cluster replacing the old one.
        quota = {"cpu": "2", "clusters": 1}
        assert (await client.put("/api/v1/namespaces/default/quota", json=quota)).is_success
        body = rayservice(
            NAME,
            env={"PYTHONPATH": APPS, "APP_VERSION": "v1"},
            rayClusterDeletionDelaySeconds=3,
        )
        created = await client.post("/api/v1/namespaces/default/rayservices", json=body)
        assert created.status_code == 201, created.text
        yield client


async def service(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get(URL)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def condition(svc: dict[str, Any], type_: str) -> dict[str, Any]:
    found = [c for c in svc.get("status", {}).get("conditions", []) if c["type"] == type_]
    return found[0] if found else {}


async def serve_url(api: httpx.AsyncClient) -> str:
    urls = (await api.get(f"{URL}/endpoints")).json()
    return str(urls["serve"])


async def ready(api: httpx.AsyncClient, timeout: float = 150) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        svc = await service(api)
        return svc if condition(svc, "Ready").get("status") == "True" else None

    return await eventually(probe, timeout=timeout, interval=1, what="the RayService to be Ready")


async def answer(url: str, path: str = "/greet") -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url + path)
    return f"{response.status_code} {response.text}"


async def answers(url: str, expected: str, timeout: float = 60) -> None:
    async def probe() -> bool:
        try:
            return await answer(url) == f"200 {expected}"
        except httpx.HTTPError:
            return False

    await eventually(probe, timeout=timeout, interval=0.5, what=f"the answer {expected!r}")


async def change_spec(api: httpx.AsyncClient, change: dict[str, Any]) -> None:
    response = await api.patch(
        URL, json={"spec": change}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert response.status_code == 200, response.text


def cluster_spec(version: str) -> dict[str, Any]:
    spec: dict[str, Any] = rayservice(env={"PYTHONPATH": APPS, "APP_VERSION": version})["spec"]
    return dict(spec["rayClusterConfig"])


def active_cluster(svc: dict[str, Any]) -> str:
    return str(svc["status"]["activeServiceStatus"]["rayClusterName"])


async def test_two_applications_answer_through_the_stable_endpoint(api: httpx.AsyncClient) -> None:
    svc = await ready(api)
    status = svc["status"]
    assert status["numServeEndpoints"] == 1
    apps = status["activeServiceStatus"]["applicationStatuses"]
    assert {name: app["status"] for name, app in apps.items()} == {
        "greeter": "RUNNING",
        "echo": "RUNNING",
    }
    assert apps["greeter"]["serveDeploymentStatuses"]["Greeter"]["status"] == "HEALTHY"
    assert condition(svc, "UpgradeInProgress")["reason"] == "NoPendingCluster"

    urls = (await api.get(f"{URL}/endpoints")).json()
    assert set(urls) == {"serve", "dashboard"}
    assert await answer(urls["serve"]) == "200 hello from v1"
    big = os.urandom(3 << 20)  # bigger than the endpoint reads whole: streamed both ways

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    async with httpx.AsyncClient(timeout=30) as client:
        echoed = await client.post(urls["serve"] + "/echo", content=chunked())
    assert echoed.status_code == 200
    assert echoed.content == big[::-1]


async def test_logs_show_the_serve_controller_and_replicas(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}/logs", params={"tail": 20})
    assert response.status_code == 200, response.text
    sources = {line.split("]")[0].lstrip("[").split("_")[0] for line in response.text.splitlines()}
    assert {"controller", "replica"} <= sources


async def test_serve_config_change_is_applied_in_place(api: httpx.AsyncClient) -> None:
    before = active_cluster(await service(api))
    await change_spec(
        api, {"serveConfigV2": SERVE_CONFIG.replace("greeting: hello", "greeting: hi")}
    )
    await answers(await serve_url(api), "hi from v1")
    svc = await service(api)
    assert active_cluster(svc) == before
    assert "pendingServiceStatus" not in svc["status"]
    assert svc["status"]["observedGeneration"] == svc["metadata"]["generation"]


class Load:
    """Clients that send requests to the endpoint the whole time, each on its own connection."""

    def __init__(self, url: str, clients: int) -> None:
        self._url = url
        self._stop = threading.Event()
        self.outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    async def __aenter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Join off the event loop: the endpoint runs on it and must finish what is in flight.
        self._stop.set()
        for thread in self._threads:
            await asyncio.to_thread(thread.join, 30)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.get(self._url + "/greet")
                    outcome = f"{response.status_code} {response.text}"
                except httpx.HTTPError as e:
                    outcome = f"error {type(e).__name__}"
                with self._lock:
                    self.outcomes[outcome] += 1
                time.sleep(0.01)

    def failures(self) -> dict[str, int]:
        with self._lock:
            return {k: v for k, v in self.outcomes.items() if not k.startswith("200 ")}


async def test_cluster_upgrade_under_load_fails_no_request(api: httpx.AsyncClient) -> None:
    old = active_cluster(await service(api))
    url = await serve_url(api)
    async with Load(url, clients=8) as load:
        await change_spec(api, {"rayClusterConfig": cluster_spec("v2")})

        async def upgrading() -> bool:
            return condition(await service(api), "UpgradeInProgress").get("status") == "True"

        await eventually(upgrading, timeout=30, what="UpgradeInProgress")
        await answers(url, "hi from v2", timeout=150)
        await asyncio.sleep(1)  # keep the load on after the switch
    assert load.failures() == {}, load.outcomes
    assert load.outcomes["200 hi from v1"] > 0
    assert load.outcomes["200 hi from v2"] > 0
    svc = await service(api)
    assert active_cluster(svc) != old
    assert condition(svc, "UpgradeInProgress")["reason"] == "NoPendingCluster"

    async def old_deleted() -> bool:
        return (await api.get(f"/api/v1/namespaces/default/rayclusters/{old}")).status_code == 404

    await eventually(old_deleted, timeout=60, what=f"the old cluster {old} to be deleted")


async def test_killed_head_process_recovers_and_serves_again(api: httpx.AsyncClient) -> None:
    svc = await ready(api)
    cluster = active_cluster(svc)
    pods = (await api.get(f"/api/v1/namespaces/default/rayclusters/{cluster}/pods")).json()
    head = next(p for p in pods["items"] if p["nodeType"] == "head")
    os.killpg(os.getpgid(head["pid"]), signal.SIGKILL)

    async def head_restarted() -> bool:
        listed = (await api.get(f"/api/v1/namespaces/default/rayclusters/{cluster}/pods")).json()
        return any(p["nodeType"] == "head" and p["restarts"] >= 1 for p in listed["items"])

    async def down() -> bool:
        try:
            return not (await answer(url)).startswith("200 ")
        except httpx.HTTPError:
            return True

    url = await serve_url(api)
    deployments_before = await deployments_on(api, cluster)
    await eventually(down, timeout=60, what="the service to go down with its head")
    await eventually(head_restarted, timeout=60, what="the head to be restarted")
    await answers(url, "hi from v2", timeout=180)
    svc = await ready(api)
    assert active_cluster(svc) == cluster
    assert await deployments_on(api, cluster) > deployments_before  # Serve was deployed again


async def deployments_on(api: httpx.AsyncClient, cluster: str) -> int:
    events = (await api.get(f"{URL}/events")).json()["items"]
    return sum(
        e["count"]
        for e in events
        if e["reason"] in ("ServeDeployed", "ServeUpdated") and e["message"].endswith(cluster)
    )


async def test_suspend_stops_everything_and_resume_serves_again(api: httpx.AsyncClient) -> None:
    url = await serve_url(api)
    await change_spec(api, {"suspend": True})

    async def suspended() -> dict[str, Any] | None:
        svc = await service(api)
        return svc if condition(svc, "Suspended").get("status") == "True" else None

    svc = await eventually(suspended, timeout=60, interval=0.5, what="Suspended")
    assert "activeServiceStatus" not in svc["status"]
    assert (await answer(url)).startswith("503 ")
    owned = await api.get(
        "/api/v1/namespaces/default/rayclusters",
        params={"selector": f"ray.io/originated-from-cr-name={NAME}"},
    )
    assert owned.json()["items"] == []
    assert (await service(api))["spec"]["serveConfigV2"]  # the spec is kept

    await change_spec(api, {"suspend": False})
    await answers(url, "hi from v2", timeout=150)
    assert condition(await service(api), "Suspended")["reason"] == "RayServiceResumed"
    assert await serve_url(api) == url  # the endpoint keeps its port


async def test_delete_removes_clusters_processes_and_endpoint(api: httpx.AsyncClient) -> None:
    svc = await service(api)
    url = await serve_url(api)
    uid = svc["metadata"]["uid"]
    cluster = active_cluster(svc)
    cluster_uid = (await api.get(f"/api/v1/namespaces/default/rayclusters/{cluster}")).json()[
        "metadata"
    ]["uid"]
    assert (await api.delete(URL)).status_code == 200

    async def gone() -> bool:
        listed = await api.get(
            "/api/v1/namespaces/default/rayclusters",
            params={"selector": f"raydeck.io/owner-uid={uid}"},
        )
        tagged = pids_where(lambda env: any(f":{cluster_uid}/".encode() in e for e in env))
        return listed.json()["items"] == [] and not tagged

    await eventually(gone, timeout=60, what="the clusters and their processes to go")
    with pytest.raises(httpx.ConnectError):
        await answer(url)
