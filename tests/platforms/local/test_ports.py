"""Tests for loopback port allocation; they bind real sockets on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator

import pytest

from raydeck.errors import PlatformUnavailable
from raydeck.platforms.local.ports import PortAllocator


def _range(width: int) -> tuple[int, int]:
    # Below Linux's ephemeral range (32768+), offset by pid so parallel runs rarely meet.
    start = 20000 + (os.getpid() % 100) * 120
    return start, start + width - 1


@pytest.fixture
def held_socket() -> Iterator[socket.socket]:
    """A listening socket on some port of this test's range, closed after the test."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        start, end = _range(100)
        # From the middle, so that the allocator meets free ports before it.
        for port in range(start + 50, end + 1):
            with contextlib.suppress(OSError):
                sock.bind(("127.0.0.1", port))
                break
        else:
            pytest.fail("no port to hold in the test range")
        sock.listen()
        yield sock
    finally:
        sock.close()


def test_consecutive_allocations_never_overlap() -> None:
    start, end = _range(100)
    allocator = PortAllocator(start=start, end=end)

    first = allocator.allocate(10, taken=())
    second = allocator.allocate(10, taken=())

    assert len(set(first)) == 10
    assert len(set(second)) == 10
    assert not set(first) & set(second)
    assert all(start <= p <= end for p in first + second)


def test_allocate_skips_taken_ports_and_a_port_a_socket_holds(
    held_socket: socket.socket,
) -> None:
    held = held_socket.getsockname()[1]
    start, end = _range(100)
    allocator = PortAllocator(start=start, end=end)
    taken = {start, start + 1, start + 2}

    ports = _allocate_all(allocator, taken=taken)

    assert held not in ports
    assert not taken & set(ports)


def _allocate_all(allocator: PortAllocator, *, taken: set[int]) -> list[int]:
    """Every port the allocator will give, one by one until it runs out."""
    ports: list[int] = []
    while True:
        try:
            ports += allocator.allocate(1, taken=taken)
        except PlatformUnavailable:
            return ports


def test_released_ports_can_be_allocated_again() -> None:
    start, end = _range(3)
    allocator = PortAllocator(start=start, end=end)
    ports = allocator.allocate(3, taken=())

    allocator.release(ports[:1])

    assert allocator.allocate(1, taken=()) == ports[:1]


def test_allocate_block_returns_a_contiguous_free_range() -> None:
    start, end = _range(100)
    allocator = PortAllocator(start=start, end=end)
    single = allocator.allocate(1, taken=())

    lo, hi = allocator.allocate_block(20, taken={start + 5})

    assert hi - lo + 1 == 20
    assert start <= lo <= hi <= end
    assert single[0] not in range(lo, hi + 1)
    assert start + 5 not in range(lo, hi + 1)
    assert not set(allocator.allocate(5, taken=())) & set(range(lo, hi + 1))


def test_allocate_block_avoids_a_held_port(held_socket: socket.socket) -> None:
    held = held_socket.getsockname()[1]
    start, end = _range(100)
    allocator = PortAllocator(start=start, end=end)

    lo, _ = allocator.allocate_block(10, taken=set(range(start, held)))

    assert lo > held


def test_allocate_raises_platform_unavailable_when_the_range_is_exhausted() -> None:
    start, end = _range(4)
    allocator = PortAllocator(start=start, end=end)
    allocator.allocate(2, taken=())

    with pytest.raises(PlatformUnavailable, match="no free ports"):
        allocator.allocate(3, taken=())
    # A failed request hands out nothing, so the rest is still there.
    assert len(allocator.allocate(4 - 2, taken=())) == 2


def test_allocate_block_raises_platform_unavailable_when_no_block_fits() -> None:
    start, end = _range(10)
    allocator = PortAllocator(start=start, end=end)

    with pytest.raises(PlatformUnavailable, match="no free ports"):
        allocator.allocate_block(6, taken={start + 4})


def test_a_port_range_outside_the_valid_ports_is_rejected() -> None:
    with pytest.raises(ValueError, match="invalid port range"):
        PortAllocator(start=70000, end=70010)
