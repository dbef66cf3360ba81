"""Loopback TCP port allocation for the Ray nodes of the local platform.

The local platform asks a PortAllocator for the explicit ports every Ray node
needs. It only probes 127.0.0.1 and remembers what it handed out; it does not
reserve ports against other programs, which may still grab one before Ray binds it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Collection, Iterable

from raydeck.errors import PlatformUnavailable

_HOST = "127.0.0.1"


def _can_bind(port: int) -> bool:
    """True if a fresh socket can bind 127.0.0.1:port right now."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # SO_REUSEADDR off, so a port still in TIME_WAIT counts as busy: a server
        # that binds without the option would fail on it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        sock.bind((_HOST, port))
    except OSError:
        return False
    finally:
        sock.close()
    return True


class PortAllocator:
    """Hands out distinct, currently bindable loopback ports from [start, end]."""

    def __init__(self, *, start: int, end: int) -> None:
        if not 1 <= start <= end <= 65535:
            raise ValueError(f"invalid port range [{start}, {end}]")
        self._start = start
        self._end = end
        self._handed_out: set[int] = set()
        # Next-fit: scanning on from the last grant avoids re-granting a port
        # the moment it is released, while its old owner may still linger.
        self._cursor = start
        self._lock = threading.Lock()

    def allocate(self, count: int, *, taken: Collection[int]) -> list[int]:
        """``count`` distinct free ports, none in ``taken`` nor handed out before."""
        if count < 0:
            raise ValueError("count must not be negative")
        with self._lock:
            chosen: list[int] = []
            for port in self._scan_order():
                if len(chosen) == count:
                    break
                if self._usable(port, taken):
                    chosen.append(port)
            if len(chosen) < count:
                raise PlatformUnavailable(
                    f"no free ports: wanted {count} in [{self._start}, {self._end}], "
                    f"found {len(chosen)}"
                )
            self._grant(chosen)
            return chosen

    def allocate_block(self, size: int, *, taken: Collection[int]) -> tuple[int, int]:
        """A contiguous range ``(lo, hi)`` of ``size`` free ports, ends included."""
        if size < 1:
            raise ValueError("size must be at least 1")
        with self._lock:
            lo = self._find_block(size, taken)
            if lo is None:
                raise PlatformUnavailable(
                    f"no free ports: no block of {size} in [{self._start}, {self._end}]"
                )
            self._grant(list(range(lo, lo + size)))
            return lo, lo + size - 1

    def claim(self, ports: Iterable[int]) -> None:
        """Never hand out ``ports``: something of raydeck's holds or will hold them."""
        with self._lock:
            self._handed_out.update(ports)

    def release(self, ports: Iterable[int]) -> None:
        """Forget that ``ports`` were handed out; unknown ports are ignored."""
        with self._lock:
            self._handed_out.difference_update(ports)

    def _scan_order(self) -> Iterable[int]:
        yield from range(self._cursor, self._end + 1)
        yield from range(self._start, self._cursor)

    def _usable(self, port: int, taken: Collection[int]) -> bool:
        return port not in taken and port not in self._handed_out and _can_bind(port)

    def _find_block(self, size: int, taken: Collection[int]) -> int | None:
        found = self._find_block_within(range(self._cursor, self._end + 1), size=size, taken=taken)
        if found is None:
            # Second pass from the range start; it may end in a block straddling the cursor.
            last = min(self._end, self._cursor + size - 2)
            found = self._find_block_within(range(self._start, last + 1), size=size, taken=taken)
        return found

    def _find_block_within(self, span: range, *, size: int, taken: Collection[int]) -> int | None:
        lo = span.start
        while lo + size <= span.stop:
            bad = next((p for p in range(lo, lo + size) if not self._usable(p, taken)), None)
            if bad is None:
                return lo
            # Every window containing the bad port fails too, so jump past it.
            lo = bad + 1
        return None

    def _grant(self, ports: list[int]) -> None:
        self._handed_out.update(ports)
        if ports:
            last = max(ports)
            self._cursor = last + 1 if last < self._end else self._start
