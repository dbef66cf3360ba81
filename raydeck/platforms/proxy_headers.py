"""The headers raydeck's reverse proxies never pass on: one definition for both of them.

The Ray Dashboard proxy (``api/routes/dashboard.py``) and a RayService's stable endpoint on the
local platform (``platforms/local/endpoint.py``) drop these in both directions; each adds what
only it must drop. Plain data, no I/O.
"""

from __future__ import annotations

#: Headers that describe one connection, not the message (RFC 9110 section 7.6.1), and ``host``,
#: which names the proxy: the client that forwards sets the upstream's own.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
