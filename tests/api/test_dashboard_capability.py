"""Dashboard capabilities: pure sealing and checking on a fake clock, and the routes that use them."""

from __future__ import annotations

import httpx

from raydeck.api.routes.dashboard import null_origin_headers, preflight_headers
from raydeck.managers.dashboard_access import Claim, genuine, parse, seal
from tests.support.auth import ADMIN_PASSWORD
from tests.support.samples import raycluster

BASE = "/api/v1/namespaces/default/rayclusters"
CLAIM = Claim("tok1", "ns", "a", "uid-a", 1000, "r")


def test_a_capability_is_genuine_only_for_its_cluster_key_and_time() -> None:
    cap = seal(CLAIM, "key")
    assert genuine(cap, CLAIM, "key", now=999)
    assert not genuine(cap, CLAIM, "key", now=1000)  # expired
    assert not genuine(cap, CLAIM, "other-key", now=10)  # its token was replaced or revoked
    for namespace, name, uid in (("ns", "b", "uid-a"), ("ns", "a", "uid-new"), ("x", "a", "uid-a")):
        other = parse(cap, namespace, name, uid)
        assert other is not None and not genuine(cap, other, "key", now=10)


def test_a_capability_cannot_be_upgraded_to_write_or_extended() -> None:
    cap = seal(CLAIM, "key")
    for forged in (cap.replace(".r.", ".w."), cap.replace(".1000.", ".9999.")):
        claim = parse(forged, "ns", "a", "uid-a")
        assert claim is not None and not genuine(forged, claim, "key", now=10)
    assert parse("garbage", "ns", "a", "uid-a") is None


def test_cors_allows_only_the_opaque_origin_and_never_credentials() -> None:
    assert null_origin_headers("null")["Access-Control-Allow-Origin"] == "null"
    assert "Access-Control-Allow-Origin" not in null_origin_headers("http://evil.example")
    assert preflight_headers("http://evil.example", "content-type") == {}
    allowed = preflight_headers("null", "content-type, x-thing")
    assert allowed["Access-Control-Allow-Headers"] == "content-type, x-thing"
    assert not any("credentials" in k.lower() for k in allowed)


async def test_a_session_is_sent_to_a_capability_that_opens_only_that_dashboard(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    for name in ("a", "b"):
        assert (await api.post(BASE, json=raycluster(name))).status_code == 201
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as browser:
        form = {"username": "admin", "password": ADMIN_PASSWORD}
        signed_in = await browser.post("/api/v1/session", data=form)
        assert signed_in.status_code < 400, signed_in.text
        cookie = {"Cookie": f"raydeck_session={signed_in.cookies['raydeck_session']}"}
        opened = await browser.get("/rayclusters/default/a/dashboard/", headers=cookie)
    assert opened.status_code == 303
    location = opened.headers["location"]
    assert location.startswith("/rayclusters/default/a/dashboard/~") and location.endswith("/")
    cap = location.split("/~", 1)[1].rstrip("/")
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as anonymous:
        other = await anonymous.get(f"/rayclusters/default/b/dashboard/~{cap}/")
        assert other.status_code == 404
        for headers in ({"Authorization": f"Bearer {cap}"}, {"Cookie": f"raydeck_session={cap}"}):
            assert (await anonymous.get(BASE, headers=headers)).status_code == 401
        login = await anonymous.get(f"/rayclusters/default/a/dashboard/~{cap}/api/authenticate")
        assert login.status_code == 403


async def test_a_capability_dies_with_the_session_it_was_issued_for(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    """The in-memory platform runs nothing: a live capability gets 'not running' (409), a
    revoked one the same 404 as a made-up one."""
    assert (await api.post(BASE, json=raycluster("a"))).status_code == 201
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as browser:
        form = {"username": "admin", "password": ADMIN_PASSWORD}
        signed_in = await browser.post("/api/v1/session", data=form)
        session = signed_in.cookies["raydeck_session"]
        cookie = {
            "Cookie": f"raydeck_session={session}",
            "X-CSRF-Token": signed_in.json()["csrfToken"],
        }
        ctx = transport.app.state.context  # type: ignore[attr-defined]
        principal = await ctx.auth.authenticate(session, via="session")
        target = await ctx.monitoring.cluster("default", "a")
        cap = await ctx.dashboard_access.issue(principal, "default", "a", target.uid)
        path = f"/rayclusters/default/a/dashboard/~{cap}/api/version"
        assert (await browser.get(path)).status_code == 409  # genuine: only the cluster is off
        assert (await browser.delete("/api/v1/session", headers=cookie)).status_code < 400
        assert (await browser.get(path)).status_code == 404
