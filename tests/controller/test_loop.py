"""The reconcile loop: one worker per key, requeue, back-off, no lost wake-ups."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from raydeck.controller.loop import Controller, Result, backoff_delay
from tests.support.waiting import eventually


class Recorder:
    def __init__(self, *, fail_times: int = 0, requeue: float | None = None) -> None:
        self.calls: list[str] = []
        self.running: set[str] = set()
        self.overlaps = 0
        self.fail_times = fail_times
        self.requeue = requeue
        self.release = asyncio.Event()
        self.release.set()

    async def reconcile(self, key: str) -> Result:
        if key in self.running:
            self.overlaps += 1
        self.running.add(key)
        try:
            self.calls.append(key)
            await self.release.wait()
            if self.fail_times > 0:
                self.fail_times -= 1
                raise RuntimeError("boom")
            return Result(requeue_after=self.requeue)
        finally:
            self.running.discard(key)


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async def probe() -> bool:
        return predicate()

    await eventually(probe, timeout=timeout, interval=0.005, what="the recorded calls")


def test_backoff_doubles_and_caps() -> None:
    assert [backoff_delay(n, initial=0.5, maximum=3) for n in (1, 2, 3, 4)] == [0.5, 1, 2, 3]


async def test_a_key_is_never_reconciled_twice_at_once_and_changes_are_not_lost() -> None:
    recorder = Recorder()
    recorder.release.clear()
    controller: Controller[str] = Controller(recorder, name="t")
    controller.start()
    try:
        controller.enqueue("a")
        await wait_for(lambda: recorder.calls == ["a"])
        controller.enqueue("a")
        controller.enqueue("a")
        recorder.release.set()
        await wait_for(lambda: len(recorder.calls) == 2)
        await controller.wait_idle()
        assert recorder.overlaps == 0 and recorder.calls == ["a", "a"]
    finally:
        await controller.stop()


async def test_failures_are_retried_with_backoff() -> None:
    recorder = Recorder(fail_times=2)
    controller: Controller[str] = Controller(
        recorder, name="t", backoff_initial=0.01, backoff_max=0.05
    )
    controller.start()
    try:
        controller.enqueue("k")
        await wait_for(lambda: len(recorder.calls) == 3)
    finally:
        await controller.stop()


async def test_requeue_after_brings_the_key_back() -> None:
    recorder = Recorder(requeue=0.01)
    controller: Controller[str] = Controller(recorder, name="t")
    controller.start()
    try:
        controller.enqueue("k")
        await wait_for(lambda: len(recorder.calls) >= 3)
    finally:
        await controller.stop()
