"""What the admin pages share: a form's problem lines, and the namespaces to choose from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import error_lines, show_lines
from raydeck.errors import RaydeckError


def problems_area() -> ui.column:
    return ui.column().classes("gap-1")


async def attempt(area: ui.column, action: Callable[[], Awaitable[object]]) -> bool:
    """Run ``action``; show its error under the form instead of a notice when it fails."""
    area.clear()
    try:
        await action()
    except RaydeckError as e:
        show_lines(area, error_lines(e))
        return False
    return True


async def namespace_names(session: ConsoleSession) -> list[str]:
    namespaces = await session.context.namespaces.list(await session.actor())
    return [n.name for n in namespaces]
