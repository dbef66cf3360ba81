"""raydeck on the kubernetes platform against the test bed, in the test's own event loop."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from raydeck.app import create_app
from raydeck.managers.context import AppContext
from raydeck.settings import get_settings
from tests.support.auth import ADMIN_PASSWORD, running_as_admin


@asynccontextmanager
async def kube_raydeck(
    kubeconfig: Path, *, monitoring: dict[str, Any] | None = None, **kubernetes: int
) -> AsyncIterator[httpx.AsyncClient]:
    """An API client of raydeck (platform kubernetes) on a fresh data dir, removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    settings = get_settings(
        data_dir=data_dir, platform="kubernetes", admin_password=ADMIN_PASSWORD, console=False
    )
    settings.kubernetes.kubeconfig = kubeconfig
    for name, value in kubernetes.items():
        setattr(settings.kubernetes, name, value)
    for name, value in (monitoring or {}).items():
        setattr(settings.monitoring, name, value)
    try:
        async with running_as_admin(create_app(settings, stop_clusters_on_exit=False)) as client:
            yield client
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def context_of(client: httpx.AsyncClient) -> AppContext:
    """The app context behind a ``kube_raydeck`` client, for what HTTP cannot show (a log follow)."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    context: AppContext = transport.app.state.context  # type: ignore[attr-defined]
    return context
