"""Fixtures shared by every tier: short data directories and the API over the in-memory platform.

Real-Ray fixtures live in tests/platforms/local/conftest.py; the session-end
check for leftover processes lives there too.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from raydeck.app import create_app
from raydeck.platforms.local.processes import ProcessSupervisor
from raydeck.settings import Settings, get_settings
from tests.support.memory_platform import MemoryPlatform


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A short directory: Ray's socket paths under it must stay below 107 bytes."""
    path = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return get_settings(data_dir=data_dir)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An API client of a full raydeck app whose platform runs nothing (tier 2)."""
    app = create_app(settings, platform_factory=lambda store, _s: MemoryPlatform(store))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
            yield client


@pytest.fixture(scope="session", autouse=True)
async def no_leftover_processes() -> AsyncIterator[None]:
    """Fail the run if any test leaves a raydeck-tagged process behind (and stop it then)."""
    supervisor = ProcessSupervisor()
    before = set(supervisor.tags(""))
    yield
    left = {pid: tag for pid, tag in supervisor.tags("").items() if pid not in before}
    for tag in set(left.values()):
        await supervisor.terminate_tagged(tag, grace=0)
    assert not left, f"tests left processes running: {left}"
