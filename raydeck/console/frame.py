"""The frame every page shares: the header (who is logged in, log out) and the navigation drawer.

``console.root`` draws it once per page load, before the page itself; platform admins
also see the links to their pages. It shows no page content and decides no access:
the pages' managers do.
"""

from __future__ import annotations

import contextlib
import json

from nicegui import ui

from raydeck import __version__
from raydeck.console.pages.login import LOGIN_PATH
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import PRIMARY
from raydeck.errors import RaydeckError

#: (label, path, icon) of each entry of the navigation.
NAVIGATION = (
    ("Overview", "/", "dashboard"),
    ("RayClusters", "/rayclusters", "hub"),
    ("RayJobs", "/rayjobs", "work"),
    ("RayServices", "/rayservices", "api"),
    ("Templates", "/templates", "content_copy"),
)
ADMIN_NAVIGATION = (
    ("Users", "/users", "group"),
    ("Namespaces", "/namespaces", "folder"),
    ("Quotas", "/quotas", "speed"),
)


def frame(session: ConsoleSession) -> None:
    ui.colors(primary=PRIMARY)
    drawer = ui.left_drawer(value=True).classes("bg-grey-1").props("width=220 bordered")
    with ui.header().classes("items-center justify-between bg-primary"):
        with ui.row().classes("items-center gap-2"):
            ui.button(icon="menu", on_click=drawer.toggle).props("flat round color=white")
            ui.link("raydeck", "/").classes("text-white text-xl font-medium no-underline")
            ui.label(f"v{__version__}").classes("text-white opacity-70 text-xs")
        with ui.row().classes("items-center gap-2"):
            ui.icon("person").classes("text-white")
            ui.label(session.user).classes("text-white").mark("user-name")
            ui.label(session.principal.role).classes("text-white opacity-70 text-xs")
            ui.button(icon="logout", on_click=lambda: _logout(session)).props(
                'flat round color=white aria-label="Log out"'
            ).tooltip("Log out").mark("logout")
    with drawer:
        entries = NAVIGATION + (ADMIN_NAVIGATION if session.principal.is_platform_admin else ())
        for label, path, icon in entries:
            link = ui.link(target=path).classes("no-underline text-grey-9 w-full")
            with link, ui.row().classes("items-center gap-3 px-2 py-2 rounded hover:bg-grey-3"):
                ui.icon(icon).classes("text-primary")
                ui.label(label)


async def _logout(session: ConsoleSession) -> None:
    with contextlib.suppress(RaydeckError):  # already ended: the login page is next either way
        await session.logout()
    ui.run_javascript(f"window.location.assign({json.dumps(LOGIN_PATH)})")
