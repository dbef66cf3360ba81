"""``run_prometheus`` with Debian's real prometheus: ready when it returns, its group gone after, and
a Prometheus that cannot start reported with its log instead of waited for."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from raydeck.errors import RaydeckError
from raydeck.monitoring import prometheus_server as ps


@pytest.fixture
def binary() -> str:
    found = ps.prometheus_binary()
    assert found, (
        "prometheus is not installed (scripts/test installs it: apt-get install prometheus)"
    )
    return found


@pytest.fixture
def home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="rdp", dir="/tmp") as path:
        yield Path(path)


def free_listen() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_prometheus_returns_a_ready_server_and_stops_its_group(binary: str, home: Path) -> None:
    settings = ps.config(targets_file=home / ps.TARGETS_FILE, raydeck_address=None)
    ps.write_file_sd(home / ps.TARGETS_FILE, [])
    with ps.run_prometheus(settings, binary=binary, home=home, listen=free_listen()) as url:
        assert httpx.get(f"{url}/-/ready", timeout=5).status_code == 200
        config = httpx.get(f"{url}/api/v1/status/config", timeout=5).json()["data"]["yaml"]
        assert str(home / ps.TARGETS_FILE) in config
        (pid,) = [int(p) for p in os.listdir("/proc") if p.isdigit() and _in(home, int(p))]
        assert os.getpgid(pid) == pid  # a group of its own, so stopping it takes everything
    assert not group_alive(pid)


def test_a_prometheus_that_exits_fails_with_its_log(binary: str, home: Path) -> None:
    broken = {"global": {"scrape_interval": "not a duration"}}
    exited = r"Prometheus exited with code \d+; its log ends:\n"
    with (
        pytest.raises(RaydeckError, match=exited),
        ps.run_prometheus(broken, binary=binary, home=home, listen=free_listen()),
    ):
        pytest.fail("a Prometheus with a broken config is not ready")
    assert "not a duration" in (home / ps.LOG_FILE).read_text()


def _in(home: Path, pid: int) -> bool:
    """Whether ``pid`` is a prometheus reading its config from ``home``."""
    try:
        return (
            f"--config.file={home / ps.CONFIG_FILE}".encode()
            in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
    except OSError:
        return False
