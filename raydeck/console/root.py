"""The console's one page: a shared frame (header, navigation) and a sub-page per route.

Routes: ``/`` overview, ``/rayclusters``, ``/rayjobs``, ``/rayservices`` lists,
``/templates``, and ``/{kind}/{namespace}/{name}`` detail pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from raydeck import __version__
from raydeck.console.context import ConsoleContext
from raydeck.console.detail import detail_page
from raydeck.console.lists import list_page
from raydeck.console.overview import overview_page
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE, Kind

RUNNABLE = (RAYCLUSTER, RAYJOB, RAYSERVICE)
NAVIGATION = (
    ("Overview", "/", "dashboard"),
    ("RayClusters", "/rayclusters", "hub"),
    ("RayJobs", "/rayjobs", "work"),
    ("RayServices", "/rayservices", "api"),
    ("Templates", "/templates", "content_copy"),
)


def build_root(context: ConsoleContext) -> Callable[[], None]:
    def root() -> None:
        _frame(context)
        routes: dict[str, Callable[..., Any]] = {"/": lambda: overview_page(context)}
        for kind in RUNNABLE:
            routes[f"/{kind.plural}"] = _list_route(context, kind)
            routes[f"/{kind.plural}/{{namespace}}/{{name}}"] = _detail_route(context, kind)
        routes["/templates"] = lambda: _templates(context)
        with ui.column().classes("w-full p-4 gap-4"):
            ui.sub_pages(routes)

    return root


def _list_route(context: ConsoleContext, kind: Kind) -> Callable[[], Any]:
    return lambda: list_page(context, kind)


def _detail_route(context: ConsoleContext, kind: Kind) -> Callable[..., Any]:
    async def page(namespace: str, name: str) -> None:
        await detail_page(context, kind, namespace, name)

    return page


async def _templates(context: ConsoleContext) -> None:
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
                await list_page(context, kind, templates_only=True)


def _frame(context: ConsoleContext) -> None:
    ui.colors(primary="#2f5f8a")
    drawer = ui.left_drawer(value=True).classes("bg-grey-1").props("width=220 bordered")
    with ui.header().classes("items-center justify-between bg-primary"):
        with ui.row().classes("items-center gap-2"):
            ui.button(icon="menu", on_click=drawer.toggle).props("flat round color=white")
            ui.link("raydeck", "/").classes("text-white text-xl font-medium no-underline")
            ui.label(f"v{__version__}").classes("text-white opacity-70 text-xs")
        with ui.row().classes("items-center gap-2"):
            ui.icon("person").classes("text-white")
            ui.label(context.user()).classes("text-white").mark("user-name")
    with drawer:
        for label, path, icon in NAVIGATION:
            link = ui.link(target=path).classes("no-underline text-grey-9 w-full")
            with link, ui.row().classes("items-center gap-3 px-2 py-2 rounded hover:bg-grey-3"):
                ui.icon(icon).classes("text-primary")
                ui.label(label)
