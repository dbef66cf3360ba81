"""Finding processes by what their environment holds, as the leftover checks of the tests do."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def pids_where(test: Callable[[list[bytes]], bool]) -> list[int]:
    """Processes (other than this one) whose environment entries pass ``test``."""
    found = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{name}/environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone, or a zombie
        if int(name) != os.getpid() and test(environ):
            found.append(int(name))
    return found


def pids_with_environ(entry: bytes) -> list[int]:
    """Processes whose environment holds exactly ``KEY=value``."""
    return pids_where(lambda environ: entry in environ)
