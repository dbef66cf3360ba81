"""Reading node log files: the last lines, then new lines as they are written.

Used by ``LocalPlatform.logs`` for ``GET .../logs`` and ``raydeck logs -f``.
It reads files only; which file belongs to which pod is the platform's business.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

POLL_SECONDS = 0.25


def tail_lines(path: Path, count: int | None) -> list[str]:
    """The last ``count`` lines (all when None), newline-terminated; none if the file is missing."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as f:
            lines = deque(f, maxlen=count) if count is not None else list(f)
    except FileNotFoundError:
        return []
    if count == 0:
        return []
    return [line if line.endswith("\n") else line + "\n" for line in lines]


async def follow_file(
    path: Path, *, still_there: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """Lines appended to ``path`` from now on, until ``still_there`` says the writer is gone."""
    position = await asyncio.to_thread(_size, path)
    partial = ""
    while True:
        chunk, position = await asyncio.to_thread(_read_from, path, position)
        partial += chunk
        *complete, partial = partial.split("\n")
        for line in complete:
            yield line + "\n"
        if not chunk:
            if not await still_there():
                return
            await asyncio.sleep(POLL_SECONDS)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read_from(path: Path, position: int) -> tuple[str, int]:
    try:
        with path.open("rb") as f:
            f.seek(position)
            data = f.read(1 << 20)
    except FileNotFoundError:
        return "", position
    return data.decode("utf-8", errors="replace"), position + len(data)


def tail_directory(directory: Path, count: int | None) -> list[str]:
    """The last ``count`` lines of every ``*.log`` in ``directory``, each prefixed by its file."""
    lines: list[str] = []
    for path in _log_files(directory):
        lines += [f"[{path.stem}] {line}" for line in tail_lines(path, count)]
    return lines


async def follow_directory(
    directory: Path, *, still_there: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """Lines appended to any ``*.log`` in ``directory`` from now on (files that appear later
    included), each prefixed by its file, until ``still_there`` says the writer is gone."""
    positions = {path: await asyncio.to_thread(_size, path) for path in _log_files(directory)}
    partial: dict[Path, str] = {}
    while True:
        grew = False
        for path in _log_files(directory):
            chunk, positions[path] = await asyncio.to_thread(
                _read_from, path, positions.get(path, 0)
            )
            grew = grew or bool(chunk)
            *complete, partial[path] = (partial.get(path, "") + chunk).split("\n")
            for line in complete:
                yield f"[{path.stem}] {line}\n"
        if not grew:
            if not await still_there():
                return
            await asyncio.sleep(POLL_SECONDS)


def _log_files(directory: Path) -> list[Path]:
    try:
        return sorted(directory.glob("*.log"))
    except OSError:
        return []
