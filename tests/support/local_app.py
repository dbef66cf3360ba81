"""raydeck with the real local platform, in the test's own event loop, cleaned up whatever happens."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from raydeck.app import create_app
from raydeck.platforms.local.processes import ProcessSupervisor
from raydeck.settings import get_settings
from tests.support.auth import ADMIN_PASSWORD, running_as_admin
from tests.support.tenant_users import remove_tenant_users


@asynccontextmanager
async def local_raydeck(
    *, monitoring: dict[str, Any] | None = None, **local_settings: float
) -> AsyncIterator[httpx.AsyncClient]:
    """An API client (logged in as admin) of raydeck on a fresh short data dir; nodes stopped after."""
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    settings = get_settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, console=False)
    for name, value in local_settings.items():
        setattr(settings.local, name, value)
    for name, value in (monitoring or {}).items():
        setattr(settings.monitoring, name, value)
    try:
        async with running_as_admin(create_app(settings)) as client:
            yield client
    finally:
        instance = data_dir / "instance-id"
        if instance.exists():
            prefix = f"raydeck:{instance.read_text().strip()}:"
            await ProcessSupervisor().terminate_tagged(prefix, grace=0)
        remove_tenant_users(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
