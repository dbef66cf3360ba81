"""Logging in: tokens, console sessions with CSRF, the failed-login limit, the first start, audit."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from raydeck.app import create_app
from raydeck.errors import TooManyRequests
from raydeck.managers.login_throttle import LoginThrottle
from raydeck.settings import Settings, get_settings
from tests.support.auth import ADMIN_PASSWORD, add_user, auth, login
from tests.support.memory_platform import MemoryPlatform
from tests.support.samples import raycluster


def anonymous(transport: httpx.ASGITransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, base_url="http://raydeck")


async def test_tokens_are_listed_without_their_secret_and_a_revoked_one_stops_working(
    api: httpx.AsyncClient,
) -> None:
    created = await api.post("/api/v1/tokens", json={"description": "ci"})
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["id"]
    assert (await api.get("/api/v1/whoami", headers=auth(secret))).json()["username"] == "admin"
    listed = (await api.get("/api/v1/tokens")).json()["items"]
    assert token_id in [t["id"] for t in listed]
    assert all("token" not in t for t in listed) and secret not in str(listed)
    assert (await api.delete(f"/api/v1/tokens/{token_id}")).status_code == 200
    refused = await api.get("/api/v1/whoami", headers=auth(secret))
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]


async def test_logout_revokes_the_token_used(transport: httpx.ASGITransport) -> None:
    async with anonymous(transport) as client:
        await login(client)
        assert (await client.post("/api/v1/logout")).status_code == 200
        assert (await client.get("/api/v1/whoami")).status_code == 401


async def test_a_user_cannot_revoke_someone_elses_token(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    admin_tokens = (await api.get("/api/v1/tokens")).json()["items"]
    await add_user(
        api, "tess", role="cluster-admin", namespaces=["default"], password="tess-password"
    )
    async with anonymous(transport) as tess:
        await login(tess, "tess", "tess-password")
        response = await tess.delete(f"/api/v1/tokens/{admin_tokens[0]['id']}")
        assert response.status_code == 404
        assert (await tess.get("/api/v1/tokens", params={"all": "true"})).status_code == 403
    assert (await api.get("/api/v1/whoami")).status_code == 200


async def test_wrong_password_is_401_without_saying_which_part_was_wrong(
    transport: httpx.ASGITransport,
) -> None:
    async with anonymous(transport) as client:
        for username in ("admin", "nobody"):
            response = await client.post(
                "/api/v1/login", json={"username": username, "password": "not-it-at-all"}
            )
            assert response.status_code == 401
            assert response.json()["message"] == "the user name or password is wrong"
        missing = await client.post("/api/v1/login", json={"username": "admin"})
        assert missing.status_code == 422 and "password" in missing.text


async def test_failed_logins_back_off_for_that_user_from_that_client(
    transport: httpx.ASGITransport,
) -> None:
    async with anonymous(transport) as client:
        for _ in range(5):
            response = await client.post(
                "/api/v1/login", json={"username": "admin", "password": "guess-guess"}
            )
            assert response.status_code == 401
        blocked = await client.post(
            "/api/v1/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert "too many failed logins" in blocked.json()["message"]
        other_user = await client.post(
            "/api/v1/login", json={"username": "someone", "password": "guess-guess"}
        )
        assert other_user.status_code == 401  # another user from the same client is not held up


def test_each_failure_past_the_limit_doubles_the_wait_up_to_the_window() -> None:
    now = [1000.0]
    throttle = LoginThrottle(limit=2, client_limit=100, window=60, clock=lambda: now[0])
    for _ in range(2):
        throttle.fail("a", "1.2.3.4")
    waits = []
    for _ in range(7):
        with pytest.raises(TooManyRequests) as raised:
            throttle.check("a", "1.2.3.4")
        waits.append(raised.value.retry_after)
        now[0] += raised.value.retry_after
        throttle.check("a", "1.2.3.4")
        throttle.fail("a", "1.2.3.4")
    assert waits == [1, 2, 4, 8, 16, 32, 60]
    # A wait of a whole window forgot the earlier failures: the last one counts afresh.
    throttle.fail("a", "1.2.3.4")
    with pytest.raises(TooManyRequests):
        throttle.check("a", "1.2.3.4")
    throttle.check("a", "5.6.7.8")  # the same user from another client
    throttle.check("b", "1.2.3.4")  # another user from the same client


def test_one_client_failing_for_many_users_is_slowed_down_too() -> None:
    now = [1000.0]
    throttle = LoginThrottle(limit=5, client_limit=3, window=60, clock=lambda: now[0])
    for name in ("a", "b", "c"):
        throttle.fail(name, "1.2.3.4")
    with pytest.raises(TooManyRequests):
        throttle.check("d", "1.2.3.4")
    now[0] += 60  # quiet for a window: forgotten
    throttle.check("d", "1.2.3.4")


async def test_console_session_sets_a_secure_cookie_and_changes_need_its_csrf_token(
    transport: httpx.ASGITransport,
) -> None:
    async with anonymous(transport) as client:
        started = await client.post(
            "/api/v1/session",
            data={"username": "admin", "password": ADMIN_PASSWORD},
        )
        assert started.status_code == 200, started.text
        cookie_header = started.headers["set-cookie"]
        for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
            assert attribute.lower() in cookie_header.lower()
        session = started.cookies["raydeck_session"]
        csrf = started.json()["csrfToken"]
        jar = {"Cookie": f"raydeck_session={session}"}

        me = await client.get("/api/v1/whoami", headers=jar)
        assert me.status_code == 200 and me.json()["via"] == "session"
        forged = await client.post("/api/v1/namespaces", json={"name": "no-csrf"}, headers=jar)
        assert forged.status_code == 403 and "CSRF" in forged.json()["message"]
        wrong = await client.post(
            "/api/v1/namespaces",
            json={"name": "no-csrf"},
            headers={**jar, "X-CSRF-Token": "guessed"},
        )
        assert wrong.status_code == 403
        made = await client.post(
            "/api/v1/namespaces", json={"name": "with-csrf"}, headers={**jar, "X-CSRF-Token": csrf}
        )
        assert made.status_code == 201
        names = [
            n["metadata"]["name"]
            for n in (await client.get("/api/v1/namespaces", headers=jar)).json()["items"]
        ]
        assert "no-csrf" not in names and "with-csrf" in names

        form_forged = await client.post(
            "/api/v1/logout", data={"csrf_token": "guessed"}, headers=jar
        )
        assert form_forged.status_code == 403
        form_ok = await client.post("/api/v1/logout", data={"csrf_token": csrf}, headers=jar)
        assert form_ok.status_code == 200
        assert (await client.get("/api/v1/whoami", headers=jar)).status_code == 401


async def test_a_session_cookie_is_not_a_bearer_token_and_back(
    transport: httpx.ASGITransport,
) -> None:
    async with anonymous(transport) as client:
        token = await login(client)
        started = await client.post(
            "/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        session = started.cookies["raydeck_session"]
        client.headers.pop("Authorization")
        as_cookie = await client.get(
            "/api/v1/whoami", headers={"Cookie": f"raydeck_session={token}"}
        )
        assert as_cookie.status_code == 401
        assert (await client.get("/api/v1/whoami", headers=auth(session))).status_code == 401


async def test_first_start_prints_a_generated_admin_password_once(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = get_settings(data_dir=data_dir, admin_password=None, console=False)
    printed = []
    for _ in range(2):
        app = create_app(settings, platform_factory=lambda store, _s: MemoryPlatform(store))
        async with app.router.lifespan_context(app):
            printed.append(capsys.readouterr().out)
            if len(printed) == 1:
                line = next(x for x in printed[0].splitlines() if "password:" in x)
                password = line.rsplit(": ", 1)[1]
                async with anonymous(httpx.ASGITransport(app=app)) as client:
                    await login(client, "admin", password)
    assert "admin" in printed[0]
    assert "password" not in printed[1]


async def test_raydeck_up_hands_out_a_working_admin_token_replacing_its_previous_one(
    settings: Settings,
) -> None:
    sunk: list[str] = []
    for _ in range(2):
        app = create_app(
            settings,
            platform_factory=lambda store, _s: MemoryPlatform(store),
            admin_token_sink=sunk.append,
        )
        async with (
            app.router.lifespan_context(app),
            anonymous(httpx.ASGITransport(app=app)) as client,
        ):
            assert (await client.get("/api/v1/whoami", headers=auth(sunk[-1]))).is_success
            if len(sunk) == 2:
                old = await client.get("/api/v1/whoami", headers=auth(sunk[0]))
                assert old.status_code == 401


async def test_audit_log_records_each_action_for_platform_admins(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    base = "/api/v1/namespaces/default/rayclusters"
    assert (await api.post(base, json=raycluster("audited"))).status_code == 201
    assert (
        await api.patch(f"{base}/audited", json={"metadata": {"labels": {"a": "b"}}})
    ).is_success
    assert (await api.post(f"{base}/audited/stop")).is_success
    assert (await api.post(f"{base}/audited/start")).is_success
    assert (await api.post(f"{base}/audited/stop")).is_success
    assert (await api.delete(f"{base}/audited")).is_success
    assert (await api.post("/api/v1/namespaces", json={"name": "ops"})).status_code == 201
    await add_user(api, "uma", role="viewer", namespaces=["ops"], password="uma-password")
    quota = await api.put("/api/v1/namespaces/ops/quota", json={"cpu": "4", "clusters": 2})
    assert quota.status_code == 200, quota.text
    async with anonymous(transport) as client:
        await client.post("/api/v1/login", json={"username": "uma", "password": "wrong-one"})
        await login(client, "uma", "uma-password")
        assert (await client.get("/api/v1/audit")).status_code == 403

    rows = (await api.get("/api/v1/audit", params={"limit": 50})).json()["items"]
    seen = [(r["user"], r["action"], r["kind"], r["name"], r["outcome"]) for r in reversed(rows)]
    expected = [
        ("admin", "login", "User", "admin", "success"),
        ("admin", "create", "RayCluster", "audited", "success"),
        ("admin", "update", "RayCluster", "audited", "success"),
        ("admin", "stop", "RayCluster", "audited", "success"),
        ("admin", "start", "RayCluster", "audited", "success"),
        ("admin", "stop", "RayCluster", "audited", "success"),
        ("admin", "delete", "RayCluster", "audited", "success"),
        ("admin", "create", "Namespace", "ops", "success"),
        ("admin", "create", "User", "uma", "success"),
        ("admin", "update", "Quota", "ops", "success"),
        ("uma", "login", "User", "uma", "failure"),
        ("uma", "login", "User", "uma", "success"),
    ]
    assert [row for row in seen if row[0] != "system"] == expected
    assert all(r["time"].endswith("Z") for r in rows)
    only_uma = (await api.get("/api/v1/audit", params={"user": "uma"})).json()["items"]
    assert {r["user"] for r in only_uma} == {"uma"} and len(only_uma) == 2
