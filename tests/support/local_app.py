"""raydeck with the real local platform, in the test's own event loop, cleaned up whatever happens."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from raydeck.app import create_app
from raydeck.platforms.local.processes import ProcessSupervisor
from raydeck.settings import get_settings


@asynccontextmanager
async def local_raydeck(**local_settings: float) -> AsyncIterator[httpx.AsyncClient]:
    """An API client of raydeck on a fresh short data dir; every node it started is stopped after."""
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    settings = get_settings(data_dir=data_dir, console=False)
    for name, value in local_settings.items():
        setattr(settings.local, name, value)
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://raydeck", timeout=60
            ) as client:
                yield client
    finally:
        instance = data_dir / "instance-id"
        if instance.exists():
            prefix = f"raydeck:{instance.read_text().strip()}:"
            await ProcessSupervisor().terminate_tagged(prefix, grace=0)
        shutil.rmtree(data_dir, ignore_errors=True)
