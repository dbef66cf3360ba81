"""The stable HTTP endpoint of a RayService on the local platform.

Each RayService keeps one loopback port for its whole life. raydeck listens
there and forwards every request, bodies streamed both ways, to the Serve
proxy of the RayService's active cluster. ``route_to`` switches the target in
one assignment: a request picks its cluster when it arrives and finishes
there, so an upgrade never cuts a request in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from raydeck.platforms.proxy_headers import HOP_BY_HOP

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
#: Bodies up to this size are read whole and sent with their length; larger ones stream.
WHOLE_BODY_LIMIT = 1 << 20


def _forwardable(headers: Mapping[str, str]) -> CIMultiDict[str]:
    kept: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        if name.lower() not in HOP_BY_HOP:
            kept.add(name, value)
    return kept


class ServeEndpoint:
    """One RayService's listener on 127.0.0.1:``port``, forwarding to a Serve port."""

    def __init__(self, *, port: int, owner: str) -> None:
        self.port = port
        self._owner = owner
        self._target: int | None = None
        self._runner: web.ServerRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def target(self) -> int | None:
        return self._target

    def route_to(self, serve_port: int | None) -> None:
        """Send new requests to ``serve_port`` (None: answer 503 until there is a cluster)."""
        if serve_port != self._target:
            log.info("%s: endpoint :%d now forwards to %s", self._owner, self.port, serve_port)
        self._target = serve_port

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=None),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Content-Type"),
        )
        self._runner = web.ServerRunner(web.Server(self._forward), access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, LOOPBACK, self.port, reuse_address=True).start()
        except OSError:
            await self.close()
            raise

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _forward(self, request: web.BaseRequest) -> web.StreamResponse:
        target, session = self._target, self._session
        if target is None or session is None:
            return _unavailable(f"RayService {self._owner} has no serving cluster yet")
        headers = _forwardable(request.headers)
        headers.add("X-Forwarded-For", request.remote or LOOPBACK)
        body: bytes | aiohttp.StreamReader | None = None
        if request.body_exists:
            length = request.content_length
            if length is not None and length <= WHOLE_BODY_LIMIT:
                body = await request.read()
            else:
                headers.pop("Content-Length", None)
                body = request.content
        url = f"http://{LOOPBACK}:{target}{request.rel_url}"
        try:
            async with session.request(
                request.method, url, headers=headers, data=body, allow_redirects=False
            ) as upstream:
                return await self._relay(request, upstream)
        except (TimeoutError, aiohttp.ClientConnectionError) as e:
            return _unavailable(f"RayService {self._owner}: its cluster did not answer ({e})")

    async def _relay(
        self, request: web.BaseRequest, upstream: aiohttp.ClientResponse
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=upstream.status, reason=upstream.reason, headers=_forwardable(upstream.headers)
        )
        length = upstream.content_length
        if length is not None:
            response.content_length = length
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
        return response


def _unavailable(message: str) -> web.Response:
    return web.Response(status=503, text=message + "\n", headers={"Retry-After": "1"})
