"""Security headers on every answer: the console and API under one Content-Security-Policy.

``create_app`` installs ``SecurityHeaders`` around the whole app. NiceGUI builds its pages with
inline scripts and styles and compiles Vue templates in the browser, so scripts need
``'unsafe-inline'`` and ``'unsafe-eval'``; everything else is this origin only, and no other
site may frame raydeck. A route that sets its own policy (the Ray Dashboard proxy's sandbox,
``api/routes/dashboard.py``) keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONSOLE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """ASGI middleware adding ``ALWAYS`` and, unless the route set one, ``CONSOLE_POLICY``."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in ALWAYS if h[0] not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CONSOLE_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, with_headers)
