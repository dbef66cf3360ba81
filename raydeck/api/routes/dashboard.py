"""The Ray Dashboard reverse proxy: ``/rayclusters/{ns}/{name}/dashboard/…`` to the cluster's head.

The platform says where the dashboard is (locally the head's loopback port; on
Kubernetes the API server's service proxy, with raydeck's credentials). Ray's
dashboard uses relative asset and API paths, so a prefix proxy serves it whole.
Every request passes ``authorize_dashboard`` first; the proxy never decides who may look.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator

import aiohttp
import httpx
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from raydeck.api.deps import (
    AppContext,
    ContextDep,
    DashboardAccessDep,
    authorize_dashboard_socket,
)
from raydeck.errors import Forbidden, PlatformUnavailable, RaydeckError
from raydeck.managers.access import Principal
from raydeck.monitoring.targets import ClusterTarget
from raydeck.platforms.base import DashboardUpstream
from raydeck.platforms.proxy_headers import HOP_BY_HOP

router = APIRouter(tags=["dashboard"], include_in_schema=False)
#: Routes under a capability: included without raydeck's login guard, they check the path.
capability_router = APIRouter(tags=["dashboard"], include_in_schema=False)
PREFIX = "/rayclusters/{namespace}/{name}/dashboard"
CAPABILITY_PREFIX = PREFIX + "/~{capability}"
_READING = ("GET", "HEAD")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
#: Websocket close codes (RFC 6455 §7.4.1): refused, and upstream unavailable.
_POLICY_VIOLATION = 1008
_TRY_AGAIN_LATER = 1013
#: Never passed on either way: hop-by-hop headers, the length httpx recomputes, and the caller's
#: own credentials, which stay with raydeck.
_DROPPED = HOP_BY_HOP | {"content-length", "cookie", "authorization"}
#: Never passed back from Ray: a cookie Ray sets holds the cluster's own Ray token.
_DROPPED_FROM_RAY = {"set-cookie", "set-cookie2"}
#: Ray's own login, which answers a valid token with that token as a cookie: raydeck holds the
#: token and adds it itself, so no user ever needs (or may obtain) it.
_REFUSED_PATHS = frozenset({"api/authenticate"})
#: Statuses with which a gateway in between (the Kubernetes API server's proxy) says it could
#: not reach the dashboard.
_UNREACHABLE = frozenset({502, 503, 504})


@router.api_route(PREFIX, methods=METHODS)
async def dashboard_root(
    request: Request,
    context: ContextDep,
    namespace: str,
    name: str,
    principal: DashboardAccessDep,
) -> RedirectResponse:
    if principal.via == "session" and request.method in _READING:
        return await _to_capability(request, context, principal, namespace, name)
    # The dashboard's paths are relative: they resolve against the trailing slash.
    return RedirectResponse(request.url.path + "/", status_code=307)


@router.api_route(PREFIX + "/{path:path}", methods=METHODS)
async def dashboard(
    request: Request,
    context: ContextDep,
    namespace: str,
    name: str,
    path: str,
    principal: DashboardAccessDep,
) -> Response:
    if principal.via == "session" and request.method in _READING:
        # A browser: its sandboxed page sends no cookie, so it gets the capability path.
        return await _to_capability(request, context, principal, namespace, name)
    refuse_ray_login(path)
    upstream = await context.monitoring.dashboard(namespace, name)
    return await _proxy(request, upstream, namespace, name, path, plain_prefix(namespace, name))


@capability_router.api_route(CAPABILITY_PREFIX, methods=METHODS)
async def dashboard_root_by_capability(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url.path + "/", status_code=307)


@capability_router.api_route(CAPABILITY_PREFIX + "/{path:path}", methods=METHODS)
async def dashboard_by_capability(
    request: Request, context: ContextDep, namespace: str, name: str, capability: str, path: str
) -> Response:
    """The dashboard for a sandboxed page: authorized by the capability in the path alone."""
    refuse_ray_login(path)
    write = request.method not in _READING
    target = await _capability_target(context, capability, namespace, name, write=write)
    upstream = await context.monitoring.dashboard_of(target)
    prefix = capability_prefix(namespace, name, capability)
    response = await _proxy(request, upstream, namespace, name, path, prefix)
    response.headers.update(null_origin_headers(request.headers.get("origin")))
    return response


@capability_router.options(CAPABILITY_PREFIX + "/{path:path}")
async def dashboard_preflight(request: Request) -> Response:
    """CORS preflights of the sandboxed page's own calls; they carry no credential and get
    only what may be asked, so they are answered without looking at the capability."""
    headers = preflight_headers(
        request.headers.get("origin"), request.headers.get("access-control-request-headers")
    )
    return Response(status_code=204 if headers else 403, headers=headers)


async def _to_capability(
    request: Request, context: AppContext, principal: Principal, namespace: str, name: str
) -> RedirectResponse:
    target = await context.monitoring.running_cluster(namespace, name)
    capability = await context.dashboard_access.issue(principal, namespace, name, target.uid)
    rest = request.url.path[len(plain_prefix(namespace, name)) :] or "/"
    location = capability_prefix(namespace, name, capability) + rest
    if request.url.query:
        location += "?" + request.url.query
    # The location is a credential: no cache keeps it.
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


async def _capability_target(
    context: AppContext, capability: str, namespace: str, name: str, *, write: bool
) -> ClusterTarget:
    """The cluster the capability opens, refused alike whether the cluster or the capability is
    unknown, so that no one without a valid capability learns which clusters exist."""
    try:
        target = await context.monitoring.cluster(namespace, name)
    except RaydeckError:
        target = ClusterTarget(namespace, name, "", ())
    await context.dashboard_access.principal(capability, namespace, name, target.uid, write=write)
    return target


async def _proxy(
    request: Request,
    upstream: DashboardUpstream,
    namespace: str,
    name: str,
    path: str,
    prefix: str,
) -> Response:
    client: httpx.AsyncClient = upstream.client or request.app.state.proxy_client
    # The caller's own credentials stay with raydeck; Ray gets the cluster's, if it has any.
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
    headers.update(upstream.headers)
    outgoing = client.build_request(
        request.method,
        f"{upstream.base_url}/{path}",
        params=request.query_params,
        headers=headers,
        content=await request.body(),
    )
    cluster = f"RayCluster {namespace}/{name}"
    try:
        response = await client.send(outgoing, stream=True, follow_redirects=False)
    except httpx.HTTPError as e:
        raise PlatformUnavailable(
            f"the Ray Dashboard of {cluster} does not answer ({upstream.via}): {e}"
        ) from e
    kept = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in _DROPPED and k.lower() not in _DROPPED_FROM_RAY
    }
    kept.pop("content-encoding", None)
    sandboxed(kept)
    if "location" in kept:
        kept["location"] = local_location(kept["location"], upstream.base_url, prefix)
    if response.status_code in _UNREACHABLE:
        content = await _read(response)
        reason = gateway_reason(content)
        if reason is not None:
            raise PlatformUnavailable(
                f"the Ray Dashboard of {cluster} cannot be reached ({upstream.via}): "
                f"{response.status_code} {reason}"
            )
        return Response(content, status_code=response.status_code, headers=kept)
    return StreamingResponse(_body(response), status_code=response.status_code, headers=kept)


@router.websocket(PREFIX + "/{path:path}")
async def dashboard_socket(websocket: WebSocket, namespace: str, name: str, path: str) -> None:
    """Websockets of the dashboard (``ray job logs --follow``, ``ray job submit`` tailing)."""
    context = websocket.app.state.context
    try:
        await authorize_dashboard_socket(websocket, namespace)
        upstream_at = await context.monitoring.dashboard(namespace, name)
    except RaydeckError as e:
        await websocket.close(code=_POLICY_VIOLATION, reason=e.message[:120])
        return
    await _relay(websocket, upstream_at, path)


@capability_router.websocket(CAPABILITY_PREFIX + "/{path:path}")
async def dashboard_socket_by_capability(
    websocket: WebSocket, namespace: str, name: str, capability: str, path: str
) -> None:
    """The same for the sandboxed page (the dashboard's log views): the capability decides,
    whatever origin the page has (a sandboxed one has none)."""
    context = websocket.app.state.context
    try:
        target = await _capability_target(context, capability, namespace, name, write=False)
        upstream_at = await context.monitoring.dashboard_of(target)
    except RaydeckError as e:
        await websocket.close(code=_POLICY_VIOLATION, reason=e.message[:120])
        return
    await _relay(websocket, upstream_at, path)


async def _relay(websocket: WebSocket, upstream_at: DashboardUpstream, path: str) -> None:
    if upstream_at.client is not None:
        # The platform's credentials live in its own HTTP client, which speaks no websocket.
        await websocket.close(
            code=_TRY_AGAIN_LATER,
            reason=f"no websockets {upstream_at.via}; poll the HTTP endpoint instead"[:120],
        )
        return
    ray_headers = upstream_at.headers
    target = "ws" + upstream_at.base_url.removeprefix("http") + "/" + path
    if websocket.url.query:
        target += "?" + websocket.url.query
    async with aiohttp.ClientSession() as session:
        try:
            upstream = await session.ws_connect(target, headers=ray_headers)
        except (aiohttp.ClientError, OSError) as e:
            await websocket.close(code=_TRY_AGAIN_LATER, reason=f"Ray does not answer: {e}"[:120])
            return
        await websocket.accept()
        async with upstream:
            await _pump(websocket, upstream)


async def _pump(websocket: WebSocket, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Messages both ways until either side closes."""

    async def down() -> None:
        async for message in upstream:
            if message.type == aiohttp.WSMsgType.TEXT:
                await websocket.send_text(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await websocket.send_bytes(message.data)
        await websocket.close()

    async def up() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is not None:
                    await upstream.send_str(message["text"])
                elif message.get("bytes") is not None:
                    await upstream.send_bytes(message["bytes"])
        await upstream.close()

    tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


#: The dashboard's pages run in an opaque origin: their scripts (on Kubernetes the tenant picks
#: the head image) can read no raydeck cookie and call no raydeck route with the viewer's session.
DASHBOARD_POLICY = (
    "sandbox allow-scripts allow-forms allow-popups allow-downloads; frame-ancestors 'none'"
)


def sandboxed(headers: dict[str, str]) -> None:
    """Security headers on every answer of the proxy, replacing whatever Ray sent."""
    for name in [k for k in headers if k.lower() == "content-security-policy"]:
        del headers[name]
    headers["Content-Security-Policy"] = DASHBOARD_POLICY
    headers["X-Content-Type-Options"] = "nosniff"


def refuse_ray_login(path: str) -> None:
    """Forbidden for Ray's authentication endpoint, however the path is spelled."""
    parts = [p for p in path.lower().split("/") if p not in ("", ".")]
    if "/".join(parts) in _REFUSED_PATHS:
        raise Forbidden(
            "Ray's own authentication endpoint is not served through raydeck: raydeck "
            "authenticates to Ray for you, and the cluster's Ray token never leaves raydeck"
        )


def local_location(location: str, base_url: str, prefix: str) -> str:
    """A redirect of the dashboard's as a path under raydeck's ``prefix`` (plain or capability):
    the dashboard's root (``base_url``, or its path, as a proxy in between writes it) becomes
    the prefix."""
    base_path = httpx.URL(base_url).path.rstrip("/")
    for root in (base_url.rstrip("/"), base_path):
        if root and (location == root or location.startswith(root + "/")):
            return prefix + location[len(root) :]
    if location.startswith("/") and not location.startswith("//"):
        return prefix + location
    return location


def plain_prefix(namespace: str, name: str) -> str:
    return f"/rayclusters/{namespace}/{name}/dashboard"


def capability_prefix(namespace: str, name: str, capability: str) -> str:
    return f"{plain_prefix(namespace, name)}/~{capability}"


#: What a preflight may ask for: header names are RFC 9110 tokens.
_HEADER_NAMES = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def null_origin_headers(origin: str | None) -> dict[str, str]:
    """CORS for the sandboxed page's own calls: its origin is opaque (``null``), and only that
    origin is allowed, without credentials (no cookie is ever wanted under a capability)."""
    allowed = {"Access-Control-Allow-Origin": "null"} if origin == "null" else {}
    return {**allowed, "Vary": "Origin"}


def preflight_headers(origin: str | None, requested: str | None) -> dict[str, str]:
    """The answer to a preflight from the sandboxed page; empty (refused) from any other origin."""
    if origin != "null":
        return {}
    names = [n.strip() for n in (requested or "").split(",") if n.strip()]
    headers = {
        **null_origin_headers(origin),
        "Access-Control-Allow-Methods": ", ".join(METHODS),
        "Access-Control-Max-Age": "600",
    }
    if names and all(_HEADER_NAMES.match(n) for n in names):
        headers["Access-Control-Allow-Headers"] = ", ".join(names)
    return headers


def gateway_reason(content: bytes) -> str | None:
    """The message of a Kubernetes ``Status`` (what the API server's proxy answers when it cannot
    reach the service); None for anything else, which is the dashboard's own answer."""
    try:
        body = json.loads(content)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return str(body.get("message") or body.get("reason") or "no reason given")
    return None


async def _read(response: httpx.Response) -> bytes:
    try:
        return await response.aread()
    finally:
        await response.aclose()


async def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    finally:
        await response.aclose()
