"""The Ray Dashboard reverse proxy: ``/rayclusters/{ns}/{name}/dashboard/…`` to the head's loopback port.

Ray's dashboard binds to 127.0.0.1 and uses relative asset and API paths, so a
prefix proxy serves it whole. Every request passes ``authorize_dashboard``
first; the proxy never decides who may look.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from raydeck.api.deps import ContextDep, DashboardAccessDep
from raydeck.errors import PlatformUnavailable

router = APIRouter(tags=["dashboard"], include_in_schema=False)
PREFIX = "/rayclusters/{namespace}/{name}/dashboard"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
#: Hop-by-hop headers (RFC 9110 §7.6.1) and those httpx recomputes.
_DROPPED = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "cookie",
    "authorization",
}


@router.api_route(PREFIX, methods=METHODS)
async def dashboard_root(
    request: Request, namespace: str, name: str, _allowed: DashboardAccessDep
) -> RedirectResponse:
    # The dashboard's paths are relative: they resolve against the trailing slash.
    return RedirectResponse(request.url.path + "/", status_code=307)


@router.api_route(PREFIX + "/{path:path}", methods=METHODS)
async def dashboard(
    request: Request,
    context: ContextDep,
    namespace: str,
    name: str,
    path: str,
    _allowed: DashboardAccessDep,
) -> Response:
    base, ray_headers = await context.monitoring.dashboard(namespace, name)
    client: httpx.AsyncClient = request.app.state.proxy_client
    # The caller's own credentials stay with raydeck; Ray gets the cluster's, if it has any.
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
    headers.update(ray_headers)
    upstream = client.build_request(
        request.method,
        f"{base}/{path}",
        params=request.query_params,
        headers=headers,
        content=await request.body(),
    )
    try:
        response = await client.send(upstream, stream=True)
    except httpx.HTTPError as e:
        raise PlatformUnavailable(
            f"the Ray Dashboard of RayCluster {namespace}/{name} does not answer: {e}"
        ) from e
    kept = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED}
    kept.pop("content-encoding", None)
    location = kept.get("location", "")
    if location.startswith("/") and not location.startswith("//"):
        kept["location"] = f"/rayclusters/{namespace}/{name}/dashboard{location}"
    return StreamingResponse(_body(response), status_code=response.status_code, headers=kept)


async def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    finally:
        await response.aclose()
