"""Node logs: the last lines, and following a file while its node runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from raydeck.platforms.local.logs import follow_file, tail_lines


def test_tail_returns_the_last_lines_and_nothing_for_a_missing_file(tmp_path: Path) -> None:
    log = tmp_path / "node.log"
    log.write_text("one\ntwo\nthree")
    assert tail_lines(log, 2) == ["two\n", "three\n"]
    assert tail_lines(log, None) == ["one\n", "two\n", "three\n"]
    assert tail_lines(log, 0) == []
    assert tail_lines(tmp_path / "missing.log", 5) == []


async def test_follow_yields_appended_lines_until_the_node_is_gone(tmp_path: Path) -> None:
    log = tmp_path / "node.log"
    log.write_text("before\n")
    running = True
    following = asyncio.Event()

    async def still_there() -> bool:
        following.set()  # the follower has taken its place at the end of the file
        return running

    async def writer() -> None:
        nonlocal running
        await following.wait()
        with log.open("a") as f:
            f.write("first\nsec")
            f.flush()
            await asyncio.sleep(0.3)
            f.write("ond\n")
        await asyncio.sleep(0.3)
        running = False

    task = asyncio.create_task(writer())
    lines = [line async for line in follow_file(log, still_there=still_there)]
    await task
    assert lines == ["first\n", "second\n"]
