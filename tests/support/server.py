"""A real ``raydeck up`` / ``raydeck serve`` process on its own data directory, for tests of what a
real server does (restarts, the security tier). The ``server`` fixture stops its process group and
every node it tagged, also when the test fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from raydeck.platforms.local.processes import ProcessSupervisor
from tests.support.auth import ADMIN_PASSWORD, auth, login_sync
from tests.support.tenant_users import remove_tenant_users
from tests.support.waiting import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``raydeck up|serve`` process on a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        #: The admin's bearer token, fetched by ``ready()``.
        self.headers: dict[str, str] = {}
        self.env = {
            **os.environ,
            "RAYDECK_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "RAYDECK_CONFIG": str(data_dir / "cli-config.json"),
        }

    def start(self, command: str, *extra: str) -> None:
        raydeck = Path(sys.executable).parent / "raydeck"
        with (self.data_dir / f"server-{command}.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(raydeck),
                    command,
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    *extra,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.env,
            )

    async def ready(self) -> None:
        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{self.url}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout=60, what="raydeck to answer /healthz")
        self.headers = auth(await asyncio.to_thread(login_sync, self.url))

    async def stop(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        await asyncio.to_thread(self.process.wait, 60)
        self.process = None

    def kill_group(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    @property
    def tag_prefix(self) -> str:
        return f"raydeck:{(self.data_dir / 'instance-id').read_text().strip()}:"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    running = Server(data_dir)
    try:
        yield running
    finally:
        running.kill_group()
        if (data_dir / "instance-id").exists():
            await ProcessSupervisor().terminate_tagged(running.tag_prefix, grace=0)
        remove_tenant_users(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
