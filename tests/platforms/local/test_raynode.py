"""Tests for the loopback-keeping Ray launcher, including a real two-node Ray cluster."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.processes import ProcessHandle, ProcessSupervisor
from raydeck.platforms.local.raynode import keep_loopback, launcher_argv
from tests.support.waiting import eventually

# Ports every node needs; the head additionally needs the last two.
NODE_PORT_FLAGS = (
    "--port",
    "--node-manager-port",
    "--object-manager-port",
    "--dashboard-agent-listen-port",
    "--dashboard-agent-grpc-port",
    "--runtime-env-agent-port",
    "--metrics-export-port",
)
HEAD_PORT_FLAGS = ("--dashboard-port", "--ray-client-server-port")
OUTWARD_IP = "192.0.2.2"


def _outward(host: str) -> str:
    return OUTWARD_IP


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1"])
def test_keep_loopback_returns_a_loopback_address_unchanged(host: str) -> None:
    assert keep_loopback(_outward)(host) == host


@pytest.mark.parametrize("host", ["localhost", "10.1.2.3", "example.org"])
def test_keep_loopback_defers_every_other_host_to_ray(host: str) -> None:
    assert keep_loopback(_outward)(host) == OUTWARD_IP


def test_launcher_argv_runs_this_module_with_the_given_python() -> None:
    assert launcher_argv("/opt/py") == ["/opt/py", "-m", "raydeck.platforms.local.raynode"]
    assert launcher_argv()[0] == sys.executable


def _node_argv(
    ports: PortAllocator, temp_dir: str, *, head_gcs: int | None
) -> tuple[list[str], dict[str, int]]:
    """``ray start`` arguments for one node with all its ports explicit on 127.0.0.1."""
    flags = NODE_PORT_FLAGS + (HEAD_PORT_FLAGS if head_gcs is None else ())
    chosen = dict(zip(flags, ports.allocate(len(flags), taken=()), strict=True))
    lo, hi = ports.allocate_block(12, taken=())
    argv = [
        *launcher_argv(),
        "start",
        "--block",
        "--node-ip-address=127.0.0.1",
        f"--temp-dir={temp_dir}",
        "--num-cpus=1",
        "--object-store-memory=100000000",
        f"--min-worker-port={lo}",
        f"--max-worker-port={hi}",
        *(f"{flag}={port}" for flag, port in chosen.items()),
    ]
    if head_gcs is None:
        argv += ["--head", "--include-dashboard=true", "--dashboard-host=127.0.0.1"]
    else:
        argv.remove(f"--port={chosen['--port']}")  # a worker has no GCS of its own
        argv.append(f"--address=127.0.0.1:{head_gcs}")
    return argv, chosen


async def _alive_nodes(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    try:
        reply = await client.get(url)
        nodes: list[dict[str, Any]] = reply.json()["data"]["summary"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return []  # the dashboard is still starting
    return [n for n in nodes if n.get("raylet", {}).get("state") == "ALIVE"]


async def _wait_for_alive_nodes(
    dashboard: int, *, count: int, within: float, logs: Path
) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{dashboard}/nodes?view=summary"
    async with httpx.AsyncClient(timeout=5.0) as client:

        async def enough() -> list[dict[str, Any]]:
            nodes = await _alive_nodes(client, url)
            return nodes if len(nodes) >= count else []

        return await eventually(
            enough,
            timeout=within,
            interval=0.25,
            what=f"{count} nodes alive",
            detail=lambda: _log_tails(logs),
        )


def _log_tails(logs: Path) -> str:
    return "\n".join(f"{p.name}: {p.read_text()[-2000:]}" for p in logs.glob("*.log"))


@pytest.fixture
def short_dirs() -> Any:
    """Short temp dirs under /tmp: Ray's unix socket paths must stay under 107 bytes."""
    made: list[str] = []

    def make() -> str:
        made.append(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
        return made[-1]

    try:
        yield make
    finally:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


@pytest.mark.ray
async def test_a_head_and_a_worker_register_with_loopback_addresses(
    supervisor: ProcessSupervisor, tag_prefix: str, short_dirs: Any, tmp_path: Path
) -> None:
    ports = PortAllocator(start=20000 + (os.getpid() % 100) * 120, end=32000)
    # Ray drains a node for up to 30 s on SIGTERM, and a head's drain did not end
    # sooner here; without draining, ray start stops its node in a few seconds.
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0")
    nodes: dict[str, ProcessHandle] = {}
    try:
        argv, head_ports = _node_argv(ports, short_dirs(), head_gcs=None)
        nodes["head"] = _start(supervisor, argv, env=env, logs=tmp_path, tag=f"{tag_prefix}head")
        argv, _ = _node_argv(ports, short_dirs(), head_gcs=head_ports["--port"])
        nodes["worker"] = _start(
            supervisor, argv, env=env, logs=tmp_path, tag=f"{tag_prefix}worker"
        )

        alive = await _wait_for_alive_nodes(
            head_ports["--dashboard-port"], count=2, within=90.0, logs=tmp_path
        )

        # The address Ray registered; the summary's own "ip" appears only once the node's
        # reporter agent has reported, which can come later.
        assert [n["raylet"]["nodeManagerAddress"] for n in alive] == ["127.0.0.1", "127.0.0.1"]
        assert all(supervisor.is_alive(handle) for handle in nodes.values())
    finally:
        for handle in nodes.values():
            await supervisor.terminate(handle, grace=15.0)
    assert supervisor.tagged_pids(f"{tag_prefix}head") == []
    assert supervisor.tagged_pids(f"{tag_prefix}worker") == []
    codes = {name: supervisor.exit_code(handle) for name, handle in nodes.items()}
    assert all(code not in (None, -signal.SIGKILL) for code in codes.values()), codes


def _start(
    supervisor: ProcessSupervisor, argv: list[str], *, env: dict[str, str], logs: Path, tag: str
) -> ProcessHandle:
    name = tag.rsplit("-", 1)[-1]
    return supervisor.spawn(argv, env=env, cwd=logs, log_path=logs / f"{name}.log", tag=tag)


def _raylet_of(supervisor: ProcessSupervisor, tag: str) -> int | None:
    for pid in supervisor.tagged_pids(tag):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if argv[0].endswith(b"/raylet"):
            return pid
    return None


@pytest.mark.ray
async def test_a_worker_stopped_while_it_waits_for_its_raylet_to_register_stops_in_its_grace(
    supervisor: ProcessSupervisor, tag_prefix: str, short_dirs: Any, tmp_path: Path
) -> None:
    # While a node starts, `ray start` waits inside one native call for its raylet to register
    # (up to 30 s): Python would run its SIGTERM handler only after it. A frozen raylet holds
    # the worker's launcher there for certain.
    ports = PortAllocator(start=20000 + (os.getpid() % 100) * 120 + 60, end=32000)
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0")
    argv, head_ports = _node_argv(ports, short_dirs(), head_gcs=None)
    head = _start(supervisor, argv, env=env, logs=tmp_path, tag=f"{tag_prefix}head")
    try:
        await _wait_for_alive_nodes(
            head_ports["--dashboard-port"], count=1, within=90.0, logs=tmp_path
        )
        argv, _ = _node_argv(ports, short_dirs(), head_gcs=head_ports["--port"])
        worker = _start(supervisor, argv, env=env, logs=tmp_path, tag=f"{tag_prefix}worker")
        raylet = await _eventually_raylet(supervisor, f"{tag_prefix}worker", logs=tmp_path)
        os.kill(raylet, signal.SIGSTOP)

        began = time.monotonic()
        await supervisor.terminate(worker, grace=15.0)
        took = time.monotonic() - began
    finally:
        await supervisor.terminate(head, grace=15.0)
    assert supervisor.exit_code(worker) == 1, f"{_log_tails(tmp_path)}"
    assert took < 15.0
    assert supervisor.tagged_pids(tag_prefix) == []


async def _eventually_raylet(supervisor: ProcessSupervisor, tag: str, *, logs: Path) -> int:
    async def raylet() -> int | None:
        return _raylet_of(supervisor, tag)

    found = await eventually(
        raylet, timeout=90.0, interval=0.02, what="a raylet", detail=lambda: _log_tails(logs)
    )
    assert found is not None
    return found
