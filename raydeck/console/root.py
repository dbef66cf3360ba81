"""The console's one page: the login, a shared frame (header, navigation) and a sub-page per route.

Routes: ``/login``, ``/`` overview, ``/rayclusters``, ``/rayjobs``, ``/rayservices``
lists, ``/templates``, ``/{kind}/{namespace}/{name}`` detail pages, and for
platform admins ``/users``, ``/namespaces`` and ``/quotas``.

Every page load reads the session cookie. Without a valid session the login
form is shown in place of the page asked for, and the browser comes back to
that page once logged in.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from raydeck import __version__
from raydeck.console.admin import namespaces_page, quotas_page, users_page
from raydeck.console.context import SESSION_COOKIE, ConsoleContext, ConsoleSession
from raydeck.console.detail import detail_page
from raydeck.console.lists import list_page
from raydeck.console.overview import overview_page
from raydeck.errors import RaydeckError
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE, Kind

RUNNABLE = (RAYCLUSTER, RAYJOB, RAYSERVICE)
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
LOGIN_PATH = "/login"


def build_root(context: ConsoleContext) -> Callable[[], Any]:
    async def root() -> None:
        request = ui.context.client.request
        session = await context.session(request.cookies.get(SESSION_COOKIE))
        path = request.url.path
        if session is None:
            wanted = request.query_params.get("next", "/") if path == LOGIN_PATH else path
            _login(_safe_next(wanted))
            return
        if path == LOGIN_PATH:
            ui.navigate.to(_safe_next(request.query_params.get("next", "/")))
            return
        _frame(session)
        routes: dict[str, Callable[..., Any]] = {"/": lambda: overview_page(session)}
        for kind in RUNNABLE:
            routes[f"/{kind.plural}"] = _list_route(session, kind)
            routes[f"/{kind.plural}/{{namespace}}/{{name}}"] = _detail_route(session, kind)
        routes["/templates"] = lambda: _templates(session)
        if session.principal.is_platform_admin:
            routes["/users"] = lambda: users_page(session)
            routes["/namespaces"] = lambda: namespaces_page(session)
            routes["/quotas"] = lambda: quotas_page(session)
        with ui.column().classes("w-full p-4 gap-4"):
            ui.sub_pages(routes)

    return root


def _safe_next(path: str) -> str:
    """Only a path on this site: never another origin (``//host``) or a scheme."""
    if not path.startswith("/") or path.startswith("//") or path == LOGIN_PATH:
        return "/"
    return path


def _login(next_path: str) -> None:
    """Posts to ``/api/v1/session`` from the browser, so the cookie (HttpOnly) is set there."""
    ui.colors(primary="#2f5f8a")
    with ui.card().classes("absolute-center w-96 gap-3").mark("login"):
        ui.label("raydeck").classes("text-2xl font-medium text-primary")
        ui.label("Log in to manage your Ray clusters.").classes("text-grey-7")
        username = ui.input("User name").props("outlined autofocus").classes("w-full")
        password = ui.input("Password", password=True, password_toggle_button=True)
        password.props("outlined").classes("w-full")
        username.mark("login-username")
        password.mark("login-password")
        problem = ui.label("").classes("text-negative text-sm").mark("login-error")

        async def submit() -> None:
            if not username.value or not password.value:
                problem.set_text("Give your user name and password.")
                return
            body = json.dumps({"username": username.value, "password": password.value})
            answer = await ui.run_javascript(
                f"""
                const response = await fetch("/api/v1/session", {{
                  method: "POST", credentials: "same-origin",
                  headers: {{"Content-Type": "application/json"}}, body: {json.dumps(body)},
                }});
                const answer = await response.json().catch(() => ({{}}));
                if (response.ok) window.location.assign({json.dumps(next_path)});
                return {{status: response.status, message: answer.message || ""}};
                """,
                timeout=15.0,
            )
            if answer.get("status") != 200:
                problem.set_text(answer.get("message") or "The login failed; try again.")
                password.set_value("")

        password.on("keydown.enter", submit)
        ui.button("Log in", on_click=submit).classes("w-full").mark("login-submit")


def _list_route(session: ConsoleSession, kind: Kind) -> Callable[[], Any]:
    return lambda: list_page(session, kind)


def _detail_route(session: ConsoleSession, kind: Kind) -> Callable[..., Any]:
    async def page(namespace: str, name: str) -> None:
        await detail_page(session, kind, namespace, name)

    return page


async def _templates(session: ConsoleSession) -> None:
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


def _frame(session: ConsoleSession) -> None:
    ui.colors(primary="#2f5f8a")
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
