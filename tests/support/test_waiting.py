"""The waits every test uses: they return the first truthy value and fail clearly on timeout."""

from __future__ import annotations

import pytest

from tests.support.waiting import eventually, eventually_sync


async def test_eventually_returns_the_first_truthy_value() -> None:
    seen: list[int] = []

    async def probe() -> list[int]:
        seen.append(len(seen))
        return seen if len(seen) == 3 else []

    assert await eventually(probe, timeout=5, interval=0) == [0, 1, 2]


async def test_eventually_fails_naming_what_it_awaited_the_last_value_and_the_detail() -> None:
    async def never() -> str:
        return ""

    with pytest.raises(AssertionError) as failed:
        await eventually(never, timeout=0.05, interval=0.01, what="Godot", detail=lambda: "log: -")
    assert str(failed.value) == ("timed out after 0.05s waiting for Godot; last value: ''; log: -")


def test_eventually_sync_waits_in_the_thread_and_fails_the_same_way() -> None:
    calls = iter([0, 0, 7])
    assert eventually_sync(lambda: next(calls), timeout=5, interval=0) == 7
    with pytest.raises(AssertionError, match=r"waiting for nothing; last value: None$"):
        eventually_sync(lambda: None, timeout=0.05, interval=0.01, what="nothing")


def test_a_probe_that_raises_ends_the_wait_at_once() -> None:
    def dead() -> bool:
        raise AssertionError("the process exited with 1")

    with pytest.raises(AssertionError, match="exited with 1"):
        eventually_sync(dead, timeout=60)
