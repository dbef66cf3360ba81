"""Monitoring against real Ray: overview numbers, used CPU under load, health and the dashboard proxy.

One raydeck with two running clusters and a stopped one is shared by the whole
module (real clusters cost seconds and CPU on a small machine); the steps run
in file order, and the health step leaves the cluster as it found it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.monitoring import overview as ov
from raydeck.monitoring import prometheus_server as ps
from raydeck.monitoring.prometheus import PrometheusSource
from raydeck.monitoring.sources import TimeRange
from raydeck.monitoring.targets import NodeTarget
from raydeck.resources.summary import Totals
from tests.support.auth import add_user
from tests.support.local_app import local_raydeck
from tests.support.procs import pids_where
from tests.support.ray_token import ray_headers
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/default/rayclusters"


def sized(name: str, *, workers: int, suspend: bool = False) -> dict[str, Any]:
    """A cluster whose requests differ from its limits, so the sum of requests is telling."""
    body = raycluster(name, workers=workers, suspend=suspend)
    head = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head["resources"] = {
        "requests": {"cpu": "250m", "memory": "300Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    worker = body["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
    worker["resources"] = {
        "requests": {"cpu": "750m", "memory": "700Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    return body


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rdmon", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
async def api(scratch: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with local_raydeck(
        restart_backoff_initial=0.5,
        termination_grace_seconds=3.0,
        resync_seconds=0.5,
        monitoring={"sample_interval": 1.0, "file_sd_path": scratch / ps.TARGETS_FILE},
    ) as client:
        for body in (
            sized("mon-a", workers=1),
            sized("mon-b", workers=0),
            sized("mon-off", workers=1, suspend=True),
        ):
            assert (await client.post(BASE, json=body)).status_code == 201
        for name, workers in (("mon-a", 1), ("mon-b", 0)):
            await ready(client, name, workers)
        yield client


async def ready(api: httpx.AsyncClient, name: str, workers: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        cluster: dict[str, Any] = (await api.get(f"{BASE}/{name}")).json()
        status = cluster.get("status") or {}
        pods = (await api.get(f"{BASE}/{name}/pods")).json()["items"]
        running = [p for p in pods if p["phase"] == "Running"]
        done = status.get("state") == "ready" and len(running) == workers + 1
        return cluster if done else None

    return await eventually(probe, timeout=300, interval=1, what=f"{name} ready")


async def ray_token(api: httpx.AsyncClient, name: str) -> dict[str, str]:
    """The cluster's Ray token, taken where its head node has it (raydeck never hands it out)."""
    pods = (await api.get(f"{BASE}/{name}/pods")).json()["items"]
    head = next(p for p in pods if p["nodeType"] == "head")
    return ray_headers(head["pid"])


async def ray_summary(api: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    cluster = (await api.get(f"{BASE}/{name}")).json()
    port = cluster["status"]["endpoints"]["dashboard"]
    async with httpx.AsyncClient(timeout=10, headers=await ray_token(api, name)) as client:
        summary = (await client.get(f"http://127.0.0.1:{port}/nodes?view=summary")).json()
    return [n for n in summary["data"]["summary"] if n["raylet"]["state"] == "ALIVE"]


async def overview(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/api/v1/overview", params={"range": "10m"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_overview_counts_and_allocations_equal_the_truth(api: httpx.AsyncClient) -> None:
    truth = {"CPU": 0.0, "memory": 0.0, "objectStoreMemory": 0.0}
    for name in ("mon-a", "mon-b"):
        for node in await ray_summary(api, name):
            for key in truth:
                truth[key] += node["raylet"]["resourcesTotal"].get(key, 0.0)

    async def complete() -> dict[str, Any] | None:
        body = await overview(api)
        logical = body["allocated"]["logical"]
        sampled = body["used"]["physical"]["memoryBytes"] > 0
        return (
            body if sampled and logical["objectStoreBytes"] == truth["objectStoreMemory"] else None
        )

    body = await eventually(complete, timeout=90, interval=1, what="logical totals of all nodes")
    assert body["counts"] == {"rayClusters": 2, "rayJobs": 0, "rayServices": 0, "activeClusters": 2}
    # Requests: mon-a = head 250m/300Mi + worker 750m/700Mi, mon-b = head 250m/300Mi.
    assert body["allocated"]["physical"] == {
        "cpu": 1.25,
        "memoryBytes": (300 + 700 + 300) * 2**20,
        "gpu": 0,
    }
    logical = body["allocated"]["logical"]
    assert logical["cpu"] == truth["CPU"] == 3
    assert logical["memoryBytes"] == truth["memory"]
    assert logical["objectStoreBytes"] == truth["objectStoreMemory"]
    assert logical["gpu"] == 0
    used = body["used"]["physical"]
    # Idle Ray processes of three nodes: some CPU (maybe none yet), at least 100 MiB resident.
    assert 0 <= used["cpu"] < 3 and used["memoryBytes"] > 100 * 2**20
    assert body["series"], "the 10 minute series has points"


async def cpu_used(api: httpx.AsyncClient) -> float:
    return float((await overview(api))["used"]["physical"]["cpu"])


BURN = (
    'python -c "import ray, time\n'
    "ray.init()\n"
    "@ray.remote(num_cpus=1)\n"
    "def burn(s):\n"
    "    t = time.time()\n"
    "    while time.time() - t < s: pass\n"
    'ray.get([burn.remote(40) for _ in range(2)])"'
)


async def test_used_cpu_rises_while_a_cpu_burning_job_runs_and_falls_after(
    api: httpx.AsyncClient,
) -> None:
    idle = await cpu_used(api)
    cluster = (await api.get(f"{BASE}/mon-a")).json()
    port = cluster["status"]["endpoints"]["dashboard"]
    async with httpx.AsyncClient(timeout=30, headers=await ray_token(api, "mon-a")) as ray:
        response = await ray.post(f"http://127.0.0.1:{port}/api/jobs/", json={"entrypoint": BURN})
        assert response.status_code == 200, response.text
        job = response.json()["submission_id"]

        async def busy() -> float | None:
            used = await cpu_used(api)
            return used if used >= idle + 0.5 else None

        peak = await eventually(busy, timeout=60, interval=1, what="used CPU to rise")

        async def tasks_and_actors() -> bool:
            body = (await api.get(f"{BASE}/mon-a/metrics")).json()
            last = [n["series"][-1] for n in body["nodes"] if n["series"]]
            tasks = sum(p["tasksRunning"] for p in last)
            actors = sum(p["actorsAlive"] for p in last)
            return tasks >= 1 and actors >= 1  # the burning tasks; the job's supervisor actor

        await eventually(tasks_and_actors, timeout=30, interval=1, what="running tasks and actors")

        async def finished() -> bool:
            status = (await ray.get(f"http://127.0.0.1:{port}/api/jobs/{job}")).json()["status"]
            return bool(status in ("SUCCEEDED", "FAILED", "STOPPED"))

        await eventually(finished, timeout=120, interval=1, what="the burning job to end")

    async def calm() -> float | None:
        used = await cpu_used(api)
        return used if used <= peak - 0.4 else None

    await eventually(calm, timeout=60, interval=1, what="used CPU to fall")


async def test_cluster_metrics_give_each_node_a_series(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{BASE}/mon-a/metrics", params={"range": "10m"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [n["nodeType"] for n in body["nodes"]] == ["head", "worker"] or sorted(
        n["nodeType"] for n in body["nodes"]
    ) == ["head", "worker"]
    for node in body["nodes"]:
        assert node["series"], f"{node['pod']} has no points"
        last = node["series"][-1]
        assert last["logical"]["total"]["CPU"] == 1
        assert last["memoryUsedBytes"] > 0
    assert body["links"]["dashboard"] == "/rayclusters/default/mon-a/dashboard/"
    assert (await api.get(f"{BASE}/mon-a/metrics", params={"range": "2h"})).status_code == 422


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def prometheus(scratch: Path) -> Iterator[str]:
    """Debian's prometheus scraping raydeck's target file every second; stopped after the test."""
    binary = ps.prometheus_binary()
    assert binary, (
        "prometheus is not installed (scripts/test installs it: apt-get install prometheus)"
    )
    settings = ps.config(
        targets_file=scratch / ps.TARGETS_FILE, raydeck_address=None, scrape_interval=1.0
    )
    listen = f"127.0.0.1:{free_port()}"
    with ps.run_prometheus(
        settings, binary=binary, home=scratch / "prometheus", listen=listen
    ) as url:
        yield url


async def node_targets(api: httpx.AsyncClient, name: str) -> list[NodeTarget]:
    pods = (await api.get(f"{BASE}/{name}/pods")).json()["items"]
    return [
        NodeTarget(
            pod=p["name"],
            group=p["group"],
            node_type=p["nodeType"],
            running=True,
            requests=Totals(),
            metrics_port=p["ports"]["metrics"],
        )
        for p in pods
    ]


async def test_prometheus_and_embedded_sources_agree(
    api: httpx.AsyncClient, prometheus: str
) -> None:
    nodes = [*await node_targets(api, "mon-a"), *await node_targets(api, "mon-b")]
    source = PrometheusSource(prometheus)
    # Each source samples on its own clock while usage moves (workers exit after the burning
    # job): compare means over the same recent minute, not two single samples.
    recent = 60.0
    try:

        async def minute_scraped() -> bool:
            now = time.time()
            series = await source.node_series(nodes, TimeRange(now - recent, now, 2.0))
            starts = [points[0][0] for points in series.values() if points]
            return len(starts) == len(nodes) and max(starts) <= now - recent + 5

        await eventually(minute_scraped, timeout=150, interval=2, what="a minute of scrapes")
        now = time.time()
        window = TimeRange(now - 600, now, 10.0)
        series = await source.node_series(nodes, window)
        embedded = await overview(api)
    finally:
        await source.close()
    logical_now = ov.logical_figures(ov.latest(series, now=now).values(), "logicalTotal:")
    assert logical_now.to_wire() == embedded["allocated"]["logical"]
    theirs = recent_means(
        [p.to_wire() for p in ov.usage_series(series, window)], since=now - recent
    )
    mine = recent_means(embedded["series"], since=now - recent)
    assert abs(theirs["cpu"] - mine["cpu"]) <= 0.3, (theirs, mine)
    assert abs(theirs["memoryBytes"] - mine["memoryBytes"]) <= 0.15 * mine["memoryBytes"], (
        theirs,
        mine,
    )

    await grafana_queries_run(prometheus)


def recent_means(points: list[dict[str, Any]], *, since: float) -> dict[str, float]:
    """Mean used CPU and memory of the series points stamped at or after ``since``."""
    used = [p["used"]["physical"] for p in points if p["t"] >= since and "used" in p]
    assert used, "no recent points"
    return {
        "cpu": sum(u["cpu"] for u in used) / len(used),
        "memoryBytes": sum(u["memoryBytes"] for u in used) / len(used),
    }


async def grafana_queries_run(prometheus: str) -> None:
    """Every query of the Grafana dashboards in docs/ is PromQL this Prometheus accepts."""
    docs = Path(__file__).parents[2] / "docs" / "grafana"
    async with httpx.AsyncClient(timeout=10) as client:
        for path in sorted(docs.glob("*.json")):
            for panel in json.loads(path.read_text())["panels"]:
                for target in panel["targets"]:
                    expr = target["expr"].replace("$cluster", ".*")
                    response = await client.get(
                        f"{prometheus}/api/v1/query", params={"query": expr}
                    )
                    assert response.json()["status"] == "success", (path.name, expr, response.text)
        cpu = await client.get(
            f"{prometheus}/api/v1/query",
            params={"query": 'count by (ray_io_cluster) (ray_resources{Name="CPU"})'},
        )
        clusters = {r["metric"]["ray_io_cluster"] for r in cpu.json()["data"]["result"]}
        assert {"mon-a", "mon-b"} <= clusters


def raylet_pids(pod: str) -> list[int]:
    tag = b"RAYDECK_PROCESS_TAG=raydeck:"
    suffix = f"/{pod}".encode()
    candidates = pids_where(lambda env: any(e.startswith(tag) and e.endswith(suffix) for e in env))
    found = []
    for pid in candidates:
        try:
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if argv0.endswith(b"/raylet"):
            found.append(pid)
    return found


async def health(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await api.get(f"{BASE}/{name}/health")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_health_turns_critical_when_a_raylet_dies_and_ok_after_its_restart(
    api: httpx.AsyncClient,
) -> None:
    seen: list[dict[str, Any]] = []

    async def nodes_are(wanted: str) -> dict[str, Any] | None:
        body = await health(api, "mon-a")
        seen[:] = [body]
        nodes = next(s for s in body["signals"] if s["name"] == "nodes")
        return body if nodes["level"] == wanted else None

    async def wait_nodes(wanted: str, timeout: float) -> dict[str, Any]:
        try:
            return await eventually(lambda: nodes_are(wanted), timeout=timeout, interval=1)
        except AssertionError:
            raise AssertionError(f"nodes never {wanted}; last health: {seen}") from None

    body = await wait_nodes("ok", 60)
    names = {s["name"]: s for s in body["signals"]}
    assert set(names) == {"gcsEventLoop", "nodes", "jobsApiLatency", "dashboardApiLatency"}
    # On a busy machine the APIs may be slow (warning); nothing is broken.
    assert body["level"] in ("ok", "warning"), body
    assert names["gcsEventLoop"]["values"]["total"] > 0
    assert names["nodes"]["values"] == {
        "expected": 2,
        "alive": 2,
        "gcsReachable": True,
        "notAlive": [],
    }
    assert names["jobsApiLatency"]["values"]["latencyMs"] > 0
    assert names["jobsApiLatency"]["thresholds"]["latencyMs"]["critical"] == 5000.0

    pods = (await api.get(f"{BASE}/mon-a/pods")).json()["items"]
    worker = next(p for p in pods if p["nodeType"] == "worker")
    pids = raylet_pids(worker["name"])
    assert len(pids) == 1, pids
    os.kill(pids[0], signal.SIGKILL)

    body = await wait_nodes("critical", 60)
    assert body["level"] == "critical"
    nodes = next(s for s in body["signals"] if s["name"] == "nodes")
    assert worker["name"] in nodes["values"]["notAlive"] and "not alive" in nodes["message"]

    body = await wait_nodes("ok", 180)
    assert body["level"] in ("ok", "warning"), body
    restarted = (await api.get(f"{BASE}/mon-a/pods")).json()["items"]
    assert next(p for p in restarted if p["name"] == worker["name"])["restarts"] >= 1


async def test_dashboard_proxy_serves_rays_dashboard(api: httpx.AsyncClient) -> None:
    base = "/rayclusters/default/mon-a/dashboard"
    redirect = await api.get(base)
    assert redirect.status_code == 307 and redirect.headers["location"] == base + "/"
    page = await api.get(base + "/")
    assert page.status_code == 200 and "<title>Ray Dashboard</title>" in page.text
    script = page.text.split('src="./', 1)[1].split('"', 1)[0]
    asset = await api.get(f"{base}/{script}")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    version = await api.get(base + "/api/version")
    assert version.status_code == 200 and version.json()["ray_version"]
    nodes = await api.get(base + "/nodes", params={"view": "summary"})
    assert len(nodes.json()["data"]["summary"]) >= 2
    assert (await api.get("/rayclusters/default/nope/dashboard/")).status_code == 404
    stopped = await api.get("/rayclusters/default/mon-off/dashboard/")
    assert stopped.status_code == 409 and "not running" in stopped.json()["message"]
    refused = await api.get(base + "/", headers={"Authorization": ""})
    assert refused.status_code == 401  # no raydeck login, no dashboard


async def test_through_the_proxy_a_cluster_admin_submits_a_job_and_a_viewer_cannot(
    api: httpx.AsyncClient,
) -> None:
    """How InteractiveMode users submit: to the proxy with their raydeck token, never Ray's."""
    jobs = "/rayclusters/default/mon-b/dashboard/api/jobs/"
    await add_user(api, "vic", role="viewer", namespaces=["default"])
    await add_user(api, "cam", role="cluster-admin", namespaces=["default"])
    viewer = await token_of(api, "vic")
    admin = await token_of(api, "cam")
    assert (await api.get(jobs, headers=viewer)).status_code == 200  # a viewer may look
    refused = await api.post(jobs, headers=viewer, json={"entrypoint": "echo hello-vic"})
    assert refused.status_code == 403, refused.text
    assert "viewer" in refused.json()["message"]

    submitted = await api.post(jobs, headers=admin, json={"entrypoint": "echo hello-cam"})
    assert submitted.status_code == 200, submitted.text
    job_id = submitted.json()["submission_id"]

    async def finished() -> bool:
        job = (await api.get(jobs + job_id, headers=admin)).json()
        return bool(job["status"] == "SUCCEEDED")

    await eventually(finished, timeout=120, interval=1, what="the proxied job")
    logs = (await api.get(jobs + job_id + "/logs", headers=admin)).json()["logs"]
    assert "hello-cam" in logs
    listed = (await api.get(jobs)).json()
    assert [j["entrypoint"] for j in listed] == ["echo hello-cam"]  # the viewer's never reached Ray


async def token_of(api: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await api.post(
        "/api/v1/login", json={"username": username, "password": "password-of-a-user"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_own_metrics_show_requests_reconciles_and_resources(api: httpx.AsyncClient) -> None:
    text = (await api.get("/metrics")).text
    assert (
        'raydeck_api_request_duration_seconds_count{method="GET",route="/api/v1/overview"' in text
    )
    assert 'raydeck_reconcile_duration_seconds_count{controller="rayclusters",outcome="ok"}' in text
    assert 'raydeck_reconcile_queue_depth{controller="rayclusters"}' in text
    assert 'raydeck_resources{kind="RayCluster",state="ready",type="instance"} 2.0' in text
    assert 'raydeck_resources{kind="RayCluster",state="suspended",type="instance"} 1.0' in text
    assert 'raydeck_processes_restarted_total{cluster="mon-a",namespace="default"}' in text
