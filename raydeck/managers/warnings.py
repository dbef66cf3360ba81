"""Warnings a write answers with, as the Kubernetes API server sends them (``Warning: 299``).

A manager calls ``warn`` while it handles a request; the API route (or console page) that
opened ``collected()`` around the call gets the texts and shows them. Outside such a block a
warning goes nowhere: managers never need to know who listens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[list[str] | None] = ContextVar("raydeck_warnings", default=None)


@contextmanager
def collected() -> Iterator[list[str]]:
    """The warnings given inside the block, in order, without repeats."""
    found: list[str] = []
    token = _current.set(found)
    try:
        yield found
    finally:
        _current.reset(token)


def warn(text: str) -> None:
    found = _current.get()
    if found is not None and text not in found:
        found.append(text)


def header_value(text: str) -> str:
    """``299 - "text"``: a Warning header as the Kubernetes API server writes it (RFC 7234
    quoting; what is not printable ASCII, which every client reads alike, becomes ``?``)."""
    clean = "".join(c if c.isprintable() and c.isascii() else "?" for c in text)
    escaped = clean.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'
