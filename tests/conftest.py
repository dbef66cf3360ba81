"""Fixtures shared by every tier: short data directories and the API over the in-memory platform.

Real-Ray fixtures live in tests/platforms/local/conftest.py; the session-end
check for leftover processes lives there too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from raydeck.app import create_app
from raydeck.settings import Settings, get_settings
from tests.support.auth import ADMIN_PASSWORD, login
from tests.support.memory_platform import MemoryPlatform
from tests.support.procs import pids_with_environ

# The `server` fixture (a real raydeck process) for every tier that needs one.
pytest_plugins = ["tests.support.server"]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A short directory: Ray's socket paths under it must stay below 107 bytes."""
    path = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return get_settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, console=False)


@pytest.fixture
async def transport(settings: Settings) -> AsyncIterator[httpx.ASGITransport]:
    """A full raydeck app whose platform runs nothing (tier 2), running, as an httpx transport."""
    app = create_app(settings, platform_factory=lambda store, _s: MemoryPlatform(store))
    async with app.router.lifespan_context(app):
        yield httpx.ASGITransport(app=app)


@pytest.fixture
async def api(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    """An API client of that app, logged in as admin."""
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
        await login(client)
        yield client


SESSION_ENV = "RAYDECK_TEST_SESSION"


def pytest_configure(config: pytest.Config) -> None:
    # Every process the tests start inherits this, however it detaches (setsid, daemons).
    os.environ[SESSION_ENV] = uuid.uuid4().hex


def session_pids() -> list[int]:
    """Processes other than this one that carry this test session's marker."""
    return pids_with_environ(f"{SESSION_ENV}={os.environ[SESSION_ENV]}".encode())


@pytest.fixture(scope="session", autouse=True)
def no_leftover_processes() -> Iterator[None]:
    """Fail the run if any test leaves a process of its own running (and kill those)."""
    yield
    left = {
        pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:120]
        for pid in session_pids()
        if Path(f"/proc/{pid}/cmdline").exists()
    }
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"tests left processes running: {left}"
