"""Both reverse proxies drop the same connection headers, from the one shared definition."""

from __future__ import annotations

from raydeck.api.routes import dashboard
from raydeck.platforms.local.service import endpoint
from raydeck.platforms.proxy_headers import HOP_BY_HOP

SENT = {
    "Connection": "keep-alive, X-Trace",
    "Keep-Alive": "timeout=5",
    "Transfer-Encoding": "chunked",
    "TE": "trailers",
    "Upgrade": "h2c",
    "Host": "raydeck.example",
    "Proxy-Authorization": "Basic eA==",
    "X-Request-Id": "42",
    "Content-Type": "application/json",
}


def test_the_serve_endpoint_forwards_only_end_to_end_headers() -> None:
    kept = endpoint._forwardable(SENT)
    assert sorted(kept) == ["Content-Type", "X-Request-Id"]


def test_the_dashboard_proxy_drops_the_same_set_and_the_callers_credentials() -> None:
    assert HOP_BY_HOP <= dashboard._DROPPED
    assert {"cookie", "authorization"} <= dashboard._DROPPED
    kept = [k for k in SENT if k.lower() not in dashboard._DROPPED]
    assert kept == ["X-Request-Id", "Content-Type"]
