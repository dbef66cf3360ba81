"""The templates page: the saved specs of every runnable kind, one tab each.

Each tab is the kind's list page narrowed to templates; creating an instance
from a template happens there, in the row's actions.
"""

from __future__ import annotations

from nicegui import ui

from raydeck.console.pages.lists.page import list_page
from raydeck.console.session import ConsoleSession
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE

RUNNABLE = (RAYCLUSTER, RAYJOB, RAYSERVICE)


async def templates_page(session: ConsoleSession) -> None:
    ui.label("Templates").classes("text-2xl font-medium")
    ui.label(
        "Saved specs that do not run. Create an instance from one, or save a running object "
        "as a template from its page."
    ).classes("text-grey-7")
    with ui.tabs() as tabs:
        for kind in RUNNABLE:
            ui.tab(kind.plural, label=f"{kind.name}s")
    with ui.tab_panels(tabs, value=RUNNABLE[0].plural).classes("w-full"):
        for kind in RUNNABLE:
            with ui.tab_panel(kind.plural):
                await list_page(session, kind, templates_only=True)
