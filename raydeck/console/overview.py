"""The overview: what all Ray clusters hold, counted by kind and state.

Charts of allocated and used resources over time join this page with the
monitoring API; until then it counts what exists from the store.
"""

from __future__ import annotations

from collections import Counter

from nicegui import ui

from raydeck.console.context import ConsoleContext
from raydeck.console.widgets import status_color
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE
from raydeck.resources.summary import summarize
from raydeck.store.records import ListQuery

REFRESH_SECONDS = 5.0


async def overview_page(context: ConsoleContext) -> None:
    ui.label("Overview").classes("text-2xl font-medium")

    @ui.refreshable
    async def counters() -> None:
        with ui.row().classes("w-full gap-4"):
            for kind in (RAYCLUSTER, RAYJOB, RAYSERVICE):
                page = await context.manager(kind).list_objects(
                    ListQuery(kind=kind.name, type="instance", limit=1000)
                )
                states = Counter(
                    summarize(o.kind, o.body, o.status).state or "pending" for o in page.items
                )
                with ui.card().classes("min-w-56").mark(f"count-{kind.plural}"):
                    ui.link(f"{kind.name}s", f"/{kind.plural}").classes("text-lg no-underline")
                    ui.label(str(page.total)).classes("text-4xl font-medium")
                    with ui.row().classes("gap-1"):
                        for state, count in sorted(states.items()):
                            ui.badge(f"{state} {count}").props(f"color={status_color(state)}")

    await counters()
    ui.timer(REFRESH_SECONDS, counters.refresh)
