"""Named dependencies of the API routes: the app context and the authenticated caller.

``create_app`` puts its ``AppContext`` (managers.context) on ``app.state`` and applies ``authenticated``
to every router except the public login routes, so a new router is guarded by
being included. Handlers ask for the caller with ``PrincipalDep`` and hand it to
a manager, which decides what the caller may do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket
from starlette.requests import HTTPConnection

from raydeck.errors import Forbidden, Unauthorized
from raydeck.managers.access import Principal
from raydeck.managers.context import SESSION_COOKIE as SESSION_COOKIE  # the routes import it here
from raydeck.managers.context import AppContext as AppContext

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


async def authenticated(connection: HTTPConnection) -> Principal:
    """The caller, from ``Authorization: Bearer`` or the console's session cookie (401 if neither).

    A change made with a session cookie must also carry the session's CSRF token, in the
    ``X-CSRF-Token`` header or, for form posts, a ``csrf_token`` field. A route with a
    ``{namespace}`` in its path is checked against the caller's grants before its body is
    validated: reading needs the namespace granted, anything else needs write access there
    (managers check again; this makes the refusal come first, whatever fields the body has;
    only a JSON body that does not parse at all, which FastAPI reads first, is refused before).
    A websocket (the dashboard proxy's log tails) counts as reading.
    """
    if not isinstance(connection, Request):
        principal = await _credentials(connection)
        method = "GET"
    else:
        principal = await _caller(connection)
        method = connection.method
    namespace = connection.path_params.get("namespace")
    if isinstance(namespace, str):
        if method in _SAFE_METHODS:
            principal.require_read(namespace)
        else:
            principal.require_write(namespace)
    return principal


async def _caller(request: Request) -> Principal:
    principal = await _credentials(request)
    if principal.via == "session" and request.method not in _SAFE_METHODS:
        get_context(request).auth.check_csrf(principal, await _presented_csrf(request))
    return principal


async def _credentials(connection: HTTPConnection) -> Principal:
    """Who the bearer token or the session cookie says the caller is (401 if neither)."""
    context: AppContext = connection.app.state.context
    auth = context.auth
    header = connection.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return await auth.authenticate(secret.strip(), via="token")
    if header:
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized(
            "log in first: send 'Authorization: Bearer <token>' (POST /api/v1/login or "
            "`raydeck login` gives one)"
        )
    return await auth.authenticate(cookie, via="session")


async def _presented_csrf(request: Request) -> str | None:
    presented = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if presented is None and content_type in _FORM_TYPES:
        await request.body()  # cached, so the handler can still read the body afterwards
        value = (await request.form()).get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    return presented


async def authorize_dashboard(request: Request, namespace: str, name: str) -> Principal:
    """The one authorization hook of the Ray Dashboard proxy: a logged-in caller (token or
    console session) who may read the namespace; anyone else is refused before Ray is reached.

    Reading (GET, HEAD) needs the namespace granted. Anything else changes the cluster, and
    the Jobs API's POST runs code there, so it needs write access (cluster-admin): a viewer
    must not gain through the proxy what Ray's own API would give anyone (CVE-2023-48022).
    """
    principal = await _caller(request)
    if request.method in ("GET", "HEAD"):
        principal.require_read(namespace)
    else:
        principal.require_write(namespace)
    return principal


async def authorize_dashboard_socket(websocket: WebSocket, namespace: str) -> Principal:
    """A websocket of the Ray Dashboard proxy (job log tails): a caller who may read the
    namespace. A session cookie only counts from a page of this origin, so another site's
    page cannot open the socket with it (its cookie is SameSite=Strict as well)."""
    principal = await _credentials(websocket)
    if principal.via == "session":
        origin = websocket.headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1] != websocket.headers.get("host"):
            raise Forbidden("the websocket comes from another site's page")
    principal.require_read(namespace)
    return principal


ContextDep = Annotated[AppContext, Depends(get_context)]
PrincipalDep = Annotated[Principal, Depends(authenticated)]
DashboardAccessDep = Annotated[Principal, Depends(authorize_dashboard)]
