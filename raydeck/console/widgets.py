"""Small pieces the console's pages share: status colours, error notices and lines, fact tables.

Pure look and wording; nothing here calls a manager or decides what a user may do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nicegui import ui

from raydeck.errors import InvalidInput, RaydeckError, Unauthorized
from raydeck.resources.rayjob import JobStatus
from raydeck.resources.summary import State

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

PRIMARY = "#2f5f8a"
#: The chip colour of each state word; an unknown word is grey.
_COLORS = {
    State.READY: "positive",
    State.RUNNING: "positive",
    State.COMPLETE: "positive",
    State.UPGRADING: "info",
    State.INITIALIZING: "info",
    State.PENDING: "grey-6",
    State.QUEUED: "warning",
    State.NEW: "grey-6",
    State.SUSPENDING: "warning",
    State.SUSPENDED: "grey-7",
    State.UNAVAILABLE: "negative",
    State.FAILED: "negative",
    State.RETRYING: "warning",
    # A RayJob's jobStatus words, which the status filter also offers.
    JobStatus.SUCCEEDED.lower(): "positive",
    JobStatus.STOPPED.lower(): "grey-7",
}


def status_color(state: str) -> str:
    return _COLORS.get(state.lower(), "grey-6")


def error_lines(error: RaydeckError) -> list[str]:
    """The error as a person reads it: the message, then each bad field and what is wrong."""
    if isinstance(error, InvalidInput) and error.errors:
        return [error.summary] + [str(e) for e in error.errors]
    return [error.message]


def notify_error(error: RaydeckError) -> None:
    if isinstance(error, Unauthorized):
        # The session ended (expired, revoked, logged out elsewhere): log in again.
        ui.notify("Your session has ended; log in again.", type="warning")
        ui.navigate.reload()
        return
    ui.notify("\n".join(error_lines(error)), type="negative", multi_line=True, timeout=10000)


def notify_warnings(warnings: Sequence[str]) -> None:
    """Warnings a manager gave while acting (the admission queue's), kept until closed."""
    for text in warnings:
        ui.notify(text, type="warning", multi_line=True, timeout=0, close_button=True)


def show_lines(area: ui.column, lines: Sequence[str], *, mono: bool = False) -> None:
    """``area`` now holds exactly ``lines``, in the colour of a problem."""
    area.clear()
    with area:
        for line in lines:
            ui.label(line).classes("text-negative text-sm" + (" font-mono" if mono else ""))


def facts_table(
    *, rows: Sequence[DataclassInstance], row_key: str, hidden: tuple[str, ...] = ()
) -> ui.table:
    """A compact, left-aligned table with a column per field of the rows' dataclass, in order."""
    names = [f.name for f in dataclasses.fields(rows[0])] if rows else []
    columns = [
        {"name": k, "label": k.capitalize(), "field": k, "align": "left"}
        for k in names
        if k not in hidden
    ]
    return (
        ui.table(columns=columns, rows=[dataclasses.asdict(r) for r in rows], row_key=row_key)
        .props("flat dense")
        .classes("w-full")
    )


def tooltip(element: ui.element, text: str = "") -> ui.tooltip:
    """A tooltip for ``element``, made once: change what it says with ``set_text``."""
    with element:
        return ui.tooltip(text)


def human_bytes(count: float) -> str:
    """A byte count as people read it: ``0 B``, ``270 MiB``, ``6.5 GiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
