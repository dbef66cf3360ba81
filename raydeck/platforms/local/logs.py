"""Reading node log files: the last lines, then new lines as they are written.

Used by ``LocalPlatform.logs`` for ``GET .../logs`` and ``raydeck logs -f``.
It reads files only; which file belongs to which pod is the platform's business. Node
directories belong to the tenant, who may plant links there: with ``within``, a file is
read only if what was actually opened lies inside that directory (raydeck may be root).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

POLL_SECONDS = 0.25


def open_log(path: Path, within: Path | None = None) -> int | None:
    """A read descriptor of the regular file at ``path``, never through a final symlink, and
    (with ``within``) only if the file opened lies inside ``within``; None otherwise.

    The check is made on the open descriptor, so a link swapped in meanwhile cannot win.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        real = Path(os.readlink(f"/proc/self/fd/{fd}"))
        inside = within is None or real.is_relative_to(within.resolve())
        if inside and stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def tail_lines(path: Path, count: int | None, *, within: Path | None = None) -> list[str]:
    """The last ``count`` lines (all when None), newline-terminated; none if the file is missing."""
    fd = open_log(path, within)
    if fd is None:
        return []
    with open(fd, encoding="utf-8", errors="replace") as f:
        lines = deque(f, maxlen=count) if count is not None else list(f)
    if count == 0:
        return []
    return [line if line.endswith("\n") else line + "\n" for line in lines]


async def follow_file(
    path: Path, *, still_there: Callable[[], Awaitable[bool]], within: Path | None = None
) -> AsyncIterator[str]:
    """Lines appended to ``path`` from now on, until ``still_there`` says the writer is gone."""
    position = await asyncio.to_thread(_size, path, within)
    partial = ""
    while True:
        chunk, position = await asyncio.to_thread(_read_from, path, position, within)
        partial += chunk
        *complete, partial = partial.split("\n")
        for line in complete:
            yield line + "\n"
        if not chunk:
            if not await still_there():
                return
            await asyncio.sleep(POLL_SECONDS)


def _size(path: Path, within: Path | None = None) -> int:
    fd = open_log(path, within)
    if fd is None:
        return 0
    with contextlib.closing(os.fdopen(fd, "rb")) as f:
        return os.fstat(f.fileno()).st_size


def _read_from(path: Path, position: int, within: Path | None = None) -> tuple[str, int]:
    fd = open_log(path, within)
    if fd is None:
        return "", position
    with os.fdopen(fd, "rb") as f:
        f.seek(position)
        data = f.read(1 << 20)
    return data.decode("utf-8", errors="replace"), position + len(data)


def tail_directory(directory: Path, count: int | None, *, within: Path | None = None) -> list[str]:
    """The last ``count`` lines of every ``*.log`` in ``directory``, each prefixed by its file."""
    lines: list[str] = []
    for path in _log_files(directory):
        lines += [f"[{path.stem}] {line}" for line in tail_lines(path, count, within=within)]
    return lines


async def follow_directory(
    directory: Path, *, still_there: Callable[[], Awaitable[bool]], within: Path | None = None
) -> AsyncIterator[str]:
    """Lines appended to any ``*.log`` in ``directory`` from now on (files that appear later
    included), each prefixed by its file, until ``still_there`` says the writer is gone."""
    positions = {
        path: await asyncio.to_thread(_size, path, within) for path in _log_files(directory)
    }
    partial: dict[Path, str] = {}
    while True:
        grew = False
        for path in _log_files(directory):
            chunk, positions[path] = await asyncio.to_thread(
                _read_from, path, positions.get(path, 0), within
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
