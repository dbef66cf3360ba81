"""The console's one page function: check the session, draw the frame, route to the page asked for.

Routes: ``/login``, ``/`` overview, ``/rayclusters``, ``/rayjobs``, ``/rayservices``
lists, ``/templates``, ``/{kind}/{namespace}/{name}`` detail pages, and for
platform admins ``/users``, ``/namespaces`` and ``/quotas``; the pages live in
``console.pages``, the shared header and navigation in ``console.frame``.

Every page load reads the session cookie. Without a valid session the login
form is shown in place of the page asked for, and the browser comes back to
that page once logged in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from raydeck.console.frame import frame
from raydeck.console.pages.admin.namespaces import namespaces_page
from raydeck.console.pages.admin.quotas import quotas_page
from raydeck.console.pages.admin.users import users_page
from raydeck.console.pages.detail.page import detail_page
from raydeck.console.pages.lists.page import list_page
from raydeck.console.pages.login import LOGIN_PATH, login_page, safe_next
from raydeck.console.pages.overview import overview_page
from raydeck.console.pages.templates import RUNNABLE, templates_page
from raydeck.console.session import ConsoleSession, open_session
from raydeck.managers.context import SESSION_COOKIE, AppContext
from raydeck.resources.kinds import Kind

#: A sub-page: NiceGUI calls it with the path's parameters.
Route = Callable[..., Any]


def build_root(context: AppContext) -> Callable[[], Any]:
    async def root() -> None:
        request = ui.context.client.request
        session = await open_session(context, request.cookies.get(SESSION_COOKIE))
        path = request.url.path
        if session is None:
            wanted = request.query_params.get("next", "/") if path == LOGIN_PATH else path
            login_page(safe_next(wanted))
            return
        if path == LOGIN_PATH:
            ui.navigate.to(safe_next(request.query_params.get("next", "/")))
            return
        frame(session)
        with ui.column().classes("w-full p-4 gap-4"):
            ui.sub_pages(routes(session))

    return root


def routes(session: ConsoleSession) -> dict[str, Route]:
    """The pages this user may open, by path."""
    found: dict[str, Route] = {"/": lambda: overview_page(session)}
    for kind in RUNNABLE:
        found[f"/{kind.plural}"] = _list_route(session, kind)
        found[f"/{kind.plural}/{{namespace}}/{{name}}"] = _detail_route(session, kind)
    found["/templates"] = lambda: templates_page(session)
    if session.principal.is_platform_admin:
        found["/users"] = lambda: users_page(session)
        found["/namespaces"] = lambda: namespaces_page(session)
        found["/quotas"] = lambda: quotas_page(session)
    return found


def _list_route(session: ConsoleSession, kind: Kind) -> Route:
    return lambda: list_page(session, kind)


def _detail_route(session: ConsoleSession, kind: Kind) -> Route:
    async def page(namespace: str, name: str) -> None:
        await detail_page(session, kind, namespace, name)

    return page
