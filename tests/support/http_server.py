"""A real raydeck HTTP server on loopback over the in-memory platform, for CLI and fuzz tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from raydeck.app import PlatformFactory, create_app
from raydeck.platforms.admission import Capacity
from raydeck.settings import Settings
from tests.support.memory_platform import MemoryPlatform
from tests.support.waiting import eventually_sync


@contextmanager
def serving(
    settings: Settings,
    platform_factory: PlatformFactory | None = None,
    *,
    capacity: Capacity | None = None,
) -> Iterator[str]:
    """Serve raydeck in a thread (over ``MemoryPlatform`` unless told otherwise); yields its base
    URL and stops it on exit. With a ``capacity``, clusters that do not fit wait in the
    admission queue."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(
        settings,
        platform_factory=platform_factory
        or (lambda store, _s: MemoryPlatform(store, capacity=capacity)),
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        eventually_sync(lambda: server.started, timeout=20, interval=0.02, what="the test server")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
