"""Request body limits, enforced before a route reads a byte: 413 ``Status`` past them.

``create_app`` wraps the whole app (API, console, dashboard proxy) in ``BodyLimit``. The
limit is chosen by path: small for the two routes anyone may call, 4 MiB for objects and
everything else, larger for the Ray Dashboard proxy (``ray job submit`` uploads packages
through it). A declared ``Content-Length`` over the limit is refused at once; a body sent
without one is read here, up to the limit, before the app sees it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from raydeck.api.models.common import Status

#: ``POST /api/v1/login`` and ``/api/v1/session``: a user name and a password.
LOGIN_BODY_BYTES = 64 * 1024
#: Objects (the largest a user writes) and every other route.
DEFAULT_BODY_BYTES = 4 * 1024 * 1024
#: The Ray Dashboard proxy: Ray's job packages (working_dir) are uploaded through it.
DASHBOARD_BODY_BYTES = 512 * 1024 * 1024
_LOGIN_PATHS = frozenset({"/api/v1/login", "/api/v1/session"})


def body_limit(path: str) -> int:
    """The largest body the route at ``path`` accepts, in bytes."""
    if path in _LOGIN_PATHS:
        return LOGIN_BODY_BYTES
    if path.startswith("/rayclusters/") and "/dashboard" in path:
        return DASHBOARD_BODY_BYTES
    return DEFAULT_BODY_BYTES


def describe(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


class BodyLimit:
    """ASGI middleware: HTTP requests whose body passes ``body_limit`` get a 413."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None:
            # The server reads no more than a declared length, so that one check suffices.
            if declared > limit:
                await _refuse(send, limit)
                return
            await self._app(scope, receive, send)
            return
        first = await _read_within(receive, limit)
        if first is None:
            await _refuse(send, limit)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return first

        await self._app(scope, replay, send)


async def _read_within(receive: Receive, limit: int) -> Message | None:
    """A body sent without a length (chunked), read whole as one message; None past ``limit``."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return message  # the client left; the app sees that as it would have
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}


def too_large_message(limit: int) -> str:
    return f"the request body is larger than {describe(limit)}, the limit of this route"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    status = Status(
        status="Failure", code=413, reason="RequestEntityTooLarge", message=too_large_message(limit)
    )
    body = status.model_dump_json(by_alias=True, exclude_none=True).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
