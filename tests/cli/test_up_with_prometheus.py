"""``raydeck up --with-prometheus`` as a user runs it: Prometheus starts, scrapes raydeck, stops with it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.auth import ADMIN_PASSWORD, login_sync
from tests.support.procs import pids_where
from tests.support.waiting import eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def short_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_up_with_prometheus_scrapes_raydeck_and_stops_prometheus_on_exit(
    short_dir: Path,
) -> None:
    assert shutil.which("prometheus"), "prometheus is missing (scripts/test installs it)"
    port, prom_port = free_port(), free_port()
    raydeck = str(Path(sys.executable).parent / "raydeck")
    argv = [raydeck, "up", "--port", str(port), "--data-dir", str(short_dir)]
    argv += ["--with-prometheus", "--prometheus-port", str(prom_port)]
    env = {
        **os.environ,
        "RAYDECK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "RAYDECK_CONFIG": str(short_dir / "cli-config.json"),
    }
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        async with httpx.AsyncClient(timeout=5) as client:

            async def answers(url: str) -> bool:
                try:
                    return (await client.get(url)).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=60)
            await eventually(lambda: answers(f"http://127.0.0.1:{prom_port}/-/ready"), timeout=60)
            token = login_sync(f"http://127.0.0.1:{port}")
            client.headers["Authorization"] = f"Bearer {token}"
            overview = (await client.get(f"http://127.0.0.1:{port}/api/v1/overview")).json()
            assert overview["source"] == "prometheus"

            async def raydeck_scraped() -> bool:
                # The queue-depth gauges exist from the controllers' start, before any object.
                response = await client.get(
                    f"http://127.0.0.1:{prom_port}/api/v1/query",
                    params={"query": 'raydeck_reconcile_queue_depth{job="raydeck"}'},
                )
                return bool(response.json()["data"]["result"])

            await eventually(raydeck_scraped, timeout=60, interval=1, what="raydeck scraped")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    config = str(short_dir / "prometheus" / "prometheus.yml").encode()

    def prometheus_of_this_test() -> list[int]:
        found = []
        for pid in pids_where(lambda _env: True):
            try:
                if config in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
        return found

    assert prometheus_of_this_test() == []
