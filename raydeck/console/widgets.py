"""Small pieces the console's pages share: status colours, error notices, YAML problems."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from raydeck.errors import InvalidInput, RaydeckError, Unauthorized

_COLORS = {
    "ready": "positive",
    "running": "positive",
    "complete": "positive",
    "succeeded": "positive",
    "upgrading": "info",
    "initializing": "info",
    "pending": "grey-6",
    "queued": "warning",
    "new": "grey-6",
    "suspending": "warning",
    "suspended": "grey-7",
    "stopped": "grey-7",
    "unavailable": "negative",
    "failed": "negative",
    "retrying": "warning",
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


def facts_table(
    *, rows: list[dict[str, Any]], row_key: str, hidden: tuple[str, ...] = ()
) -> ui.table:
    """A compact, left-aligned table whose columns are the rows' keys, in order."""
    names = [k for k in (rows[0] if rows else {}) if k not in hidden]
    columns = [{"name": k, "label": k.capitalize(), "field": k, "align": "left"} for k in names]
    return (
        ui.table(columns=columns, rows=rows, row_key=row_key).props("flat dense").classes("w-full")
    )


def human_bytes(count: float) -> str:
    """A byte count as people read it: ``0 B``, ``270 MiB``, ``6.5 GiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
