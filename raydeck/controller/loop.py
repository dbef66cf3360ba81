"""The generic reconcile loop: a keyed work queue, one worker per object, requeue and back-off.

Platforms give it a ``Reconciler`` and feed it keys (store notifications, a
periodic resync). It guarantees an object is never reconciled twice at once
and that a failing object backs off exponentially without slowing the others.
It knows nothing about Ray or about what a reconcile does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from raydeck.controller.clock import Clock, SystemClock
from raydeck.monitoring.own_metrics import RaydeckMetrics

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)


@dataclass(frozen=True)
class Result:
    """What a reconcile asks for next: nothing, or another look after ``requeue_after`` seconds."""

    requeue_after: float | None = None


class Reconciler(Protocol[K_contra]):
    async def reconcile(self, key: K_contra) -> Result: ...


def backoff_delay(failures: int, *, initial: float, maximum: float) -> float:
    """Delay before retry number ``failures`` (1-based): doubling from ``initial``, capped."""
    return float(min(maximum, initial * (2 ** max(0, failures - 1))))


class Controller(Generic[K]):
    def __init__(
        self,
        reconciler: Reconciler[K],
        *,
        name: str,
        clock: Clock | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 60.0,
    ) -> None:
        self._reconciler = reconciler
        self._name = name
        self._clock = clock or SystemClock()
        self._backoff = (backoff_initial, backoff_max)
        self._due: dict[K, float] = {}
        self._running: dict[K, asyncio.Task[None]] = {}
        self._dirty: set[K] = set()
        self._failures: dict[K, int] = {}
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        #: Set by the platform when raydeck's own metrics are collected.
        self.metrics: RaydeckMetrics | None = None

    @property
    def queue_depth(self) -> int:
        return len(self._due) + len(self._dirty)

    def enqueue(self, key: K, delay: float = 0.0) -> None:
        """Reconcile ``key`` after ``delay`` seconds; an earlier pending time wins."""
        if key in self._running and delay == 0:
            self._dirty.add(key)
            return
        due = self._clock.monotonic() + delay
        if key not in self._due or due < self._due[key]:
            self._due[key] = due
            self._wake.set()

    def start(self) -> None:
        if self.metrics is not None:
            self.metrics.set_queue_depth(self._name, self.queue_depth)
        self._loop_task = asyncio.create_task(self._loop(), name=f"controller-{self._name}")

    async def stop(self) -> None:
        self._stopping = True
        tasks = [t for t in (self._loop_task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()

    async def wait_idle(self) -> None:
        """Wait until no reconcile runs (pending delayed work may remain)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _loop(self) -> None:
        while not self._stopping:
            now = self._clock.monotonic()
            ready = [k for k, due in self._due.items() if due <= now and k not in self._running]
            for key in ready:
                del self._due[key]
                self._running[key] = asyncio.create_task(self._work(key), name=f"reconcile {key}")
            self._wake.clear()
            waits = [due - now for k, due in self._due.items() if k not in self._running]
            timeout = max(0.0, min(waits)) if waits else None
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives as the wait ends, and stop() would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def _work(self, key: K) -> None:
        delay: float | None = None
        started = time.perf_counter()
        try:
            result = await self._reconciler.reconcile(key)
            self._observe(started, ok=True)
            self._failures.pop(key, None)
            delay = result.requeue_after
        except asyncio.CancelledError:
            raise
        except Exception:
            self._observe(started, ok=False)
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            delay = backoff_delay(failures, initial=self._backoff[0], maximum=self._backoff[1])
            log.exception(
                "%s: reconcile of %s failed (attempt %d), retrying in %.1fs",
                self._name,
                key,
                failures,
                delay,
            )
        finally:
            self._running.pop(key, None)
        if key in self._dirty:
            self._dirty.discard(key)
            delay = 0.0
        if delay is not None:
            self.enqueue(key, delay)
        if self.metrics is not None:
            self.metrics.set_queue_depth(self._name, self.queue_depth)
        self._wake.set()

    def _observe(self, started: float, *, ok: bool) -> None:
        if self.metrics is not None:
            seconds = time.perf_counter() - started
            self.metrics.observe_reconcile(controller=self._name, ok=ok, seconds=seconds)
