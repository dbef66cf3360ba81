"""What the benchmarks share: a real ``raydeck serve`` process, free ports, medians and percentiles.

Benchmarks compare raydeck with the direct way of doing the same work, side by
side in one run; nothing here measures anything by itself.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from raydeck.platforms.local.processes import ProcessSupervisor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RaydeckServer:
    """``raydeck serve`` on a fresh short data directory; ``close()`` stops it and its clusters."""

    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="rdb", dir="/tmp"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        raydeck = Path(sys.executable).parent / "raydeck"
        password = secrets.token_urlsafe(16)
        #: The admin's password, for benchmarks that log in through the console.
        self.password = password
        env = {
            **os.environ,
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAYDECK_ADMIN_PASSWORD": password,
            # `up` logs the CLI in: keep that token out of the user's own CLI config.
            "RAYDECK_CONFIG": str(self.data_dir / "cli-config.json"),
        }
        #: The admin's bearer token, for the benchmarks' API calls.
        self.token = ""
        self.headers: dict[str, str] = {}
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(raydeck), "up", "--port", str(self.port), "--data-dir", str(self.data_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        try:
            self._wait_until_up(password)
        except BaseException:  # Ctrl-C while it starts too: never leave it running
            self.close()
            raise

    def _wait_until_up(self, password: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    self.token = self._login(password)
                    self.headers = {"Authorization": f"Bearer {self.token}"}
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"raydeck did not start; see {self.data_dir / 'server.log'}")

    def _login(self, password: str) -> str:
        response = httpx.post(
            f"{self.url}/api/v1/login", json={"username": "admin", "password": password}
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # `up` stops its clusters on the way out
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        instance = self.data_dir / "instance-id"
        if instance.exists():
            import asyncio

            prefix = f"raydeck:{instance.read_text().strip()}:"
            asyncio.run(ProcessSupervisor().terminate_tagged(prefix, grace=0))
        shutil.rmtree(self.data_dir, ignore_errors=True)
