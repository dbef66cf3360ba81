"""Findings 6, 7 and 8 against a real ``raydeck up``: body limits before a body is read, deep
JSON as a 4xx, login throttling nobody can turn against someone else, forwarded headers only
from named proxies, and login timing that does not tell whether a user exists.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.security.conftest import PASSWORD, TEAM, add_user, start_server, stop_server
from tests.support.auth import ADMIN_PASSWORD
from tests.support.server import Server

WRONG = "not-the-password"


@asynccontextmanager
async def client_at(server: Server, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from ``address`` (another loopback address: another
    client as raydeck sees it)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=60) as client:
        yield client


def _login(username: str, password: str) -> dict[str, str]:
    return {"username": username, "password": password}


async def test_login_and_session_refuse_a_large_body_before_reading_it(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, timeout=60) as client:
        for path in ("/api/v1/login", "/api/v1/session"):
            big = await client.post(path, json=_login("admin", "x" * 100_000))
            assert big.status_code == 413, big.text
            assert big.json()["kind"] == "Status"
            assert "64 KiB" in big.json()["message"]


async def test_object_routes_refuse_a_body_over_4_mib_with_413(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers, timeout=60) as admin:
        body = b'{"spec": "' + b"x" * (5 * 1024 * 1024) + b'"}'
        response = await admin.post(f"/api/v1/namespaces/{TEAM}/rayclusters", content=body)
        assert response.status_code == 413, response.text
        assert response.json()["reason"] == "RequestEntityTooLarge"

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(6):
                yield b" " * (1024 * 1024)

        streamed = await admin.post(f"/api/v1/namespaces/{TEAM}/rayclusters", content=chunks())
        assert streamed.status_code == 413, streamed.text


async def test_deep_json_on_the_login_routes_is_a_4xx_and_logs_no_traceback(edge: Server) -> None:
    deep = '{"a":' * 10_000 + "1" + "}" * 10_000
    async with httpx.AsyncClient(base_url=edge.url, timeout=60) as client:
        for path in ("/api/v1/login", "/api/v1/session"):
            response = await client.post(
                path, content=deep, headers={"Content-Type": "application/json"}
            )
            assert 400 <= response.status_code < 500, response.text
    assert "Traceback" not in (edge.data_dir / "server-up.log").read_text()


async def test_failing_from_one_client_never_locks_the_user_out_of_another(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        await add_user(admin, "bob", role="viewer", namespaces=[TEAM])
    async with client_at(edge, "127.0.0.2") as attacker:
        answers = [
            (await attacker.post("/api/v1/login", json=_login("bob", WRONG))).status_code
            for _ in range(8)
        ]
        assert 429 in answers, answers
        again = await attacker.post("/api/v1/login", json=_login("bob", PASSWORD))
        assert again.status_code == 429
        assert int(again.headers["retry-after"]) >= 1
    async with client_at(edge, "127.0.0.3") as bob:
        response = await bob.post("/api/v1/login", json=_login("bob", PASSWORD))
        assert response.status_code == 200, response.text


async def test_x_forwarded_for_is_not_believed_unless_a_proxy_is_named(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url) as client:
        forged = {"X-Forwarded-For": "198.51.100.7"}
        response = await client.post(
            "/api/v1/login", json=_login("admin", ADMIN_PASSWORD), headers=forged
        )
        assert response.status_code == 200
    assert await _last_login_client(edge) == "127.0.0.1"


async def test_x_forwarded_for_from_a_named_proxy_is_believed() -> None:
    server = await start_server("--forwarded-allow-ips", "127.0.0.1")
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.post(
                "/api/v1/login",
                json=_login("admin", ADMIN_PASSWORD),
                headers={"X-Forwarded-For": "198.51.100.7"},
            )
            assert response.status_code == 200
        assert await _last_login_client(server) == "198.51.100.7"
    finally:
        await stop_server(server)


async def _last_login_client(server: Server) -> str:
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as admin:
        audit = await admin.get("/api/v1/audit", params={"action": "login", "limit": 1})
    client: str = audit.json()["items"][0]["details"]["client"]
    return client


async def test_a_login_takes_as_long_for_an_unknown_user_as_for_a_wrong_password(
    edge: Server,
) -> None:
    async def timed(address: str, username: str) -> float:
        async with client_at(edge, address) as client:
            started = time.perf_counter()
            response = await client.post("/api/v1/login", json=_login(username, WRONG))
            assert response.status_code == 401
            return time.perf_counter() - started

    known = [await timed("127.0.0.4", "alice") for _ in range(4)]
    unknown = [await timed("127.0.0.5", "nobody-by-that-name") for _ in range(4)]
    ratio = statistics.median(unknown) / statistics.median(known)
    assert ratio > 0.5, f"unknown {unknown} vs known {known}"
