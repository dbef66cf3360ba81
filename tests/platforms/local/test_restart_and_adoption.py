"""raydeck restarts against real Ray: kill -9 re-adopts, ``serve`` leaves clusters, ``up`` stops them.

raydeck runs as a real ``raydeck serve`` / ``raydeck up`` process here, because
what is under test is what survives that process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.platforms.local.processes import TAG_ENV, ProcessSupervisor
from tests.support.ray_token import ray_headers
from tests.support.samples import raycluster, rayjob, rayservice
from tests.support.server import Server
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/default/rayclusters"
JOBS = "/api/v1/namespaces/default/rayjobs"


@pytest.fixture
def orphan() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


async def cluster(server: Server, name: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        body: dict[str, Any] = (await client.get(f"{BASE}/{name}")).json()
        body["pods"] = (await client.get(f"{BASE}/{name}/pods")).json()["items"]
        return body


async def wait_ready(server: Server, name: str, workers: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found = await cluster(server, name)
        status = found.get("status") or {}
        ok = (
            status.get("state") == "ready"
            and status.get("readyWorkerReplicas") == workers
            and len(found["pods"]) == workers + 1
            and all(p["ready"] for p in found["pods"])
        )
        return found if ok else None

    return await eventually(probe, timeout=120, interval=0.5, what=f"{name} to be ready")


def tagged(prefix: str) -> set[int]:
    return set(ProcessSupervisor().tagged_pids(prefix))


async def test_kill_9_then_restart_readopts_nodes_and_removes_orphans(
    server: Server, orphan: list[subprocess.Popen[bytes]]
) -> None:
    server.start("serve")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as client:
        created = await client.post(BASE, json=raycluster("durable", workers=1, cpu="1"))
        assert created.status_code == 201, created.text
    before = await wait_ready(server, "durable", 1)
    pids_before = {p["name"]: p["pid"] for p in before["pods"]}
    processes_before = tagged(server.tag_prefix)

    server.kill_group()  # kill -9: no shutdown code runs
    assert tagged(server.tag_prefix) == processes_before, "Ray nodes must outlive a raydeck crash"
    stray = subprocess.Popen(
        ["sleep", "600"],
        env={**os.environ, TAG_ENV: f"{server.tag_prefix}x/stray"},
        start_new_session=True,
    )
    orphan.append(stray)

    server.start("serve")
    await server.ready()
    after = await wait_ready(server, "durable", 1)
    assert {p["name"]: p["pid"] for p in after["pods"]} == pids_before
    assert all(p["restarts"] == 0 for p in after["pods"])
    await eventually(
        lambda: asyncio.to_thread(lambda: stray.poll() is not None),
        timeout=30,
        what="the orphan to be stopped",
    )
    assert tagged(server.tag_prefix) == processes_before


async def test_serve_exit_keeps_clusters_and_up_exit_stops_them_until_next_start(
    server: Server,
) -> None:
    server.start("serve")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as client:
        await client.post(BASE, json=raycluster("kept", workers=1, cpu="1"))
    ready = await wait_ready(server, "kept", 1)
    running = tagged(server.tag_prefix)
    await server.stop(signal.SIGTERM)
    assert tagged(server.tag_prefix) == running, "`raydeck serve` leaves clusters running"

    server.start("up")
    await server.ready()
    assert {p["pid"] for p in (await wait_ready(server, "kept", 1))["pods"]} == {
        p["pid"] for p in ready["pods"]
    }
    await server.stop(signal.SIGINT)
    assert tagged(server.tag_prefix) == set(), "`raydeck up` stops its clusters on Ctrl-C"

    server.start("up")
    await server.ready()
    back = await wait_ready(server, "kept", 1)
    assert back["spec"].get("suspend") in (None, False)
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        await client.post(f"{BASE}/kept/stop")

        async def deleted() -> bool:
            return (await client.delete(f"{BASE}/kept")).status_code == 200

        await eventually(deleted, timeout=60, what="the stopped cluster to be deleted")
    await server.stop(signal.SIGINT)
    assert tagged(server.tag_prefix) == set()


async def test_kill_9_mid_job_follows_it_to_the_end_without_submitting_twice(
    server: Server,
) -> None:
    server.start("serve")
    await server.ready()
    entrypoint = "python -c \"import time; time.sleep(8); print('finished after the crash')\""
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        body = rayjob("survivor", entrypoint=entrypoint)
        assert (await client.post(JOBS, json=body)).status_code == 201

        async def running() -> dict[str, Any] | None:
            status = (await client.get(f"{JOBS}/survivor")).json().get("status") or {}
            return status if status.get("jobStatus") == "RUNNING" else None

        before = await eventually(running, timeout=120, what="the job to run")
    server.kill_group()
    server.start("serve")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:

        async def complete() -> dict[str, Any] | None:
            status = (await client.get(f"{JOBS}/survivor")).json().get("status") or {}
            return status if status.get("jobDeploymentStatus") == "Complete" else None

        after = await eventually(
            complete, timeout=120, what="the job to complete after the restart"
        )
        assert after["jobStatus"] == "SUCCEEDED" and after["jobId"] == before["jobId"]
        assert "finished after the crash" in (await client.get(f"{JOBS}/survivor/logs")).text
        job_cluster = f"{BASE}/{after['rayClusterName']}/pods"
        head = next(p for p in (await client.get(job_cluster)).json()["items"] if p["pid"])
        async with httpx.AsyncClient(
            base_url=after["dashboardURL"], headers=ray_headers(head["pid"])
        ) as ray:
            submitted = (await ray.get("/api/jobs/")).json()
        assert [j["submission_id"] for j in submitted] == [before["jobId"]]
    await server.stop(signal.SIGINT)
    server.start("up")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        log = (await client.get(f"{JOBS}/survivor/logs")).text
    assert "finished after the crash" in log, "the kept log outlives the cluster and a restart"


async def test_job_submit_runs_a_working_dir_with_env_on_an_existing_cluster(
    server: Server, tmp_path: Path
) -> None:
    server.start("serve")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        await client.post(BASE, json=raycluster("target", workers=0, cpu="1"))
    await wait_ready(server, "target", 0)
    code = tmp_path / "code"
    code.mkdir()
    (code / "greet.py").write_text(
        "import os\nprint(os.environ['GREETING'], 'from', os.getcwd() != '')\n"
    )
    raydeck = Path(sys.executable).parent / "raydeck"
    argv = [
        str(raydeck),
        "job",
        "submit",
        "--server",
        server.url,
        "--cluster",
        "target",
        "--working-dir",
        str(code),
        "--env",
        "GREETING=hello",
        "--",
        "python",
        "greet.py",
    ]
    env = {**server.env, "RAYDECK_TOKEN": server.headers["Authorization"].split()[1]}
    done = await asyncio.to_thread(
        subprocess.run, argv, capture_output=True, text=True, timeout=180, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "hello from True" in done.stdout
    assert "Complete/SUCCEEDED" in done.stderr
    failing = [*argv[:-2], "python", "-c", "raise SystemExit(4)"]
    failed = await asyncio.to_thread(
        subprocess.run, failing, capture_output=True, text=True, timeout=180, env=env
    )
    assert failed.returncode == 1 and "Failed/FAILED" in failed.stderr


async def test_kill_9_keeps_a_rayservice_on_its_cluster_and_its_endpoint_port(
    server: Server,
) -> None:
    apps = str(Path(__file__).parent / "apps")
    services = "/api/v1/namespaces/default/rayservices"
    server.start("serve")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        body = rayservice("lasting", env={"PYTHONPATH": apps, "APP_VERSION": "v1"})
        assert (await client.post(services, json=body)).status_code == 201

        async def serving() -> str | None:
            try:
                url = (await client.get(f"{services}/lasting/endpoints")).json().get("serve")
                async with httpx.AsyncClient(timeout=5) as caller:
                    answer = await caller.get(f"{url}/greet")
            except (httpx.HTTPError, TypeError):
                return None
            return str(url) if answer.text == "hello from v1" else None

        url = await eventually(serving, timeout=300, interval=1, what="the service to answer")
        before = (await client.get(f"{services}/lasting")).json()["status"]
    processes = tagged(server.tag_prefix)

    server.kill_group()
    server.start("serve")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        assert await eventually(serving, timeout=60, interval=0.5, what="the endpoint back") == url
        after = (await client.get(f"{services}/lasting")).json()["status"]
    cluster = before["activeServiceStatus"]["rayClusterName"]
    assert after["activeServiceStatus"]["rayClusterName"] == cluster
    assert "pendingServiceStatus" not in after
    assert tagged(server.tag_prefix) == processes  # the same Ray processes: nothing restarted
