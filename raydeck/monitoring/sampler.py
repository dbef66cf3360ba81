"""A periodic task: calls one async ``tick`` every ``interval`` seconds until stopped.

The monitoring manager runs its sampling round with it. A failing tick is
logged and the next one runs on time; the loop never dies of a bad scrape.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Sampler:
    def __init__(self, tick: Callable[[], Awaitable[None]], *, interval: float) -> None:
        self._tick = tick
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="monitoring-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("monitoring: a sampling round failed")
            await asyncio.sleep(max(0.0, self._interval - (loop.time() - started)))
