"""Waiting for a condition with a deadline, instead of sleeping blindly.

``eventually`` awaits an async probe; ``eventually_sync`` is the same wait for code that cannot
await (fixtures that start a process, threads). Both fail with an ``AssertionError`` naming what
was awaited, the probe's last value and, if given, ``detail()`` (a log's end, say). A probe that
raises stops the wait at once: that is how a probe says "this will never happen" (a process died).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class _Deadline:
    """One wait's end, and the failure it ends in."""

    def __init__(self, timeout: float, what: str, detail: Callable[[], str] | None) -> None:
        self.timeout, self.what, self.detail = timeout, what, detail
        self.end = time.monotonic() + timeout

    def check(self, last: object) -> None:
        """Fail, with ``last`` (the probe's last value), once the wait has lasted too long."""
        if time.monotonic() < self.end:
            return
        message = f"timed out after {self.timeout}s waiting for {self.what}; last value: {last!r}"
        raise AssertionError(f"{message}; {self.detail()}" if self.detail else message)


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float,
    interval: float = 0.2,
    what: str = "condition",
    detail: Callable[[], str] | None = None,
) -> T:
    """Call ``probe`` until it returns a truthy value; fail with the last value after ``timeout``."""
    deadline = _Deadline(timeout, what, detail)
    while not (last := await probe()):
        deadline.check(last)
        await asyncio.sleep(interval)
    return last


def eventually_sync(
    probe: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.2,
    what: str = "condition",
    detail: Callable[[], str] | None = None,
) -> T:
    """``eventually`` for code that cannot await: the same wait, sleeping the thread."""
    deadline = _Deadline(timeout, what, detail)
    while not (last := probe()):
        deadline.check(last)
        time.sleep(interval)
    return last
