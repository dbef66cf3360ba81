"""Small pieces the console's pages share: status colours, error notices, YAML problems."""

from __future__ import annotations

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
