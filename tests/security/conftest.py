"""One real ``raydeck up`` per test module of the security tier, and the people who attack it.

Each module shares its server (starting one costs seconds); tests that change global state
(throttling, passwords) use users of their own, so the order of tests does not matter.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from raydeck.platforms.local.processes import ProcessSupervisor
from tests.support.server import Server

TEAM = "team-a"
PASSWORD = "password-of-a-tenant"


async def start_server(*extra: str, env: dict[str, str] | None = None) -> Server:
    running = Server(Path(tempfile.mkdtemp(prefix="rd", dir="/tmp")))
    running.env.update(env or {})
    running.start("up", *extra)
    await running.ready()
    return running


async def stop_server(running: Server) -> None:
    running.kill_group()
    if (running.data_dir / "instance-id").exists():
        await ProcessSupervisor().terminate_tagged(running.tag_prefix, grace=0)
    shutil.rmtree(running.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
async def edge() -> AsyncIterator[Server]:
    """A real server with namespace ``team-a`` and its cluster-admin ``alice``."""
    running = await start_server()
    try:
        async with httpx.AsyncClient(base_url=running.url, headers=running.headers) as admin:
            assert (await admin.post("/api/v1/namespaces", json={"name": TEAM})).status_code == 201
            await add_user(admin, "alice", role="cluster-admin", namespaces=[TEAM])
        yield running
    finally:
        await stop_server(running)


async def add_user(
    admin: httpx.AsyncClient, username: str, *, role: str, namespaces: list[str]
) -> None:
    body = {"username": username, "password": PASSWORD, "role": role, "namespaces": namespaces}
    response = await admin.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text


async def token_of(server: Server, username: str, password: str = PASSWORD) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            "/api/v1/login", json={"username": username, "password": password}
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
