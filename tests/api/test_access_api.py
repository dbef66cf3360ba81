"""Who may call what, over every route in the OpenAPI document: 401, 403 and invisible namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.support.auth import add_user, login
from tests.support.samples import raycluster

#: Routes anyone may call: logging in, and the liveness probe.
#: Answer without a token: logging in, liveness, and raydeck's own metrics for Prometheus.
PUBLIC = {
    ("POST", "/api/v1/login"),
    ("POST", "/api/v1/session"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
}
#: Changes every logged-in user may make to their own account.
SELF_SERVICE = {
    ("POST", "/api/v1/logout"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
}
PASSWORD = "password-of-" + "a-user"


async def operations(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    paths = (await client.get("/openapi.json")).json()["paths"]
    return sorted(
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )


def concrete(path: str, **values: str) -> str:
    defaults = {
        "namespace": "default",
        "name": "x",
        "username": "admin",
        "token_id": "x",
        "plural": "deployments",
    }
    for key, value in {**defaults, **values}.items():
        path = path.replace("{" + key + "}", value)
    assert "{" not in path, f"test does not know how to fill {path}"
    return path


def body_for(path: str) -> dict[str, Any]:
    """A body a permitted caller could send, so that only the caller decides the outcome."""
    if path.endswith(("/template", "/instances")):
        return {"name": "copy-of-x"}
    if path.startswith("/api/v1/users"):
        return {"role": "platform-admin", "username": "eve", "password": PASSWORD}
    if "/quota" in path:
        return {"cpu": "1"}
    return {"name": "made-by-test", **raycluster("x")}


@pytest.fixture
async def anonymous(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
        yield client


@asynccontextmanager
async def as_user(
    transport: httpx.ASGITransport,
    admin: httpx.AsyncClient,
    username: str,
    *,
    role: str,
    namespaces: list[str],
) -> AsyncIterator[httpx.AsyncClient]:
    """A new user, created by ``admin``, and a client logged in as them."""
    await add_user(admin, username, role=role, namespaces=namespaces, password=PASSWORD)
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
        await login(client, username, PASSWORD)
        yield client


async def test_every_route_without_a_token_is_401(
    api: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    ops = await operations(api)
    assert set(ops) >= PUBLIC
    assert len(ops) > 30
    for method, path in ops:
        if (method, path) in PUBLIC:
            continue
        url = concrete(path)
        response = await anonymous.request(method, url, json=body_for(path))
        assert response.status_code == 401, f"{method} {url}: {response.status_code}"
        assert response.headers["www-authenticate"].startswith("Bearer")
        forged = await anonymous.request(
            method, url, json=body_for(path), headers={"Authorization": "Bearer rdk_forged"}
        )
        assert forged.status_code == 401, f"{method} {url} with a forged token"


async def test_viewer_gets_403_on_every_mutating_route_and_nothing_changes(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    assert (
        await api.post("/api/v1/namespaces/default/rayclusters", json=raycluster("x"))
    ).is_success
    await api.post("/api/v1/namespaces/default/rayclusters/x/stop")
    before = (await api.get("/api/v1/rayclusters")).json()["items"]
    async with as_user(transport, api, "vera", role="viewer", namespaces=["default"]) as viewer:
        for method, path in await operations(api):
            if method == "GET" or (method, path) in PUBLIC | SELF_SERVICE:
                continue
            url = concrete(path, username="vera" if method == "PATCH" else "admin")
            response = await viewer.request(method, url, json=body_for(path))
            assert response.status_code == 403, f"{method} {url}: {response.text}"
            assert response.json()["reason"] == "Forbidden"
        assert (await viewer.get("/api/v1/namespaces/default/rayclusters/x")).status_code == 200
    after = (await api.get("/api/v1/rayclusters")).json()["items"]
    assert [o["metadata"]["resourceVersion"] for o in after] == [
        o["metadata"]["resourceVersion"] for o in before
    ]
    assert [u["username"] for u in (await api.get("/api/v1/users")).json()["items"]] == [
        "admin",
        "vera",
    ]


async def test_namespaces_not_granted_are_invisible_to_reads_and_writes(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    for ns in ("team-a", "team-b"):
        assert (await api.post("/api/v1/namespaces", json={"name": ns})).status_code == 201
        response = await api.post(
            f"/api/v1/namespaces/{ns}/rayclusters", json=raycluster(f"{ns}-c")
        )
        assert response.status_code == 201
    async with as_user(
        transport, api, "alice", role="cluster-admin", namespaces=["team-a"]
    ) as alice:
        listed = (await alice.get("/api/v1/rayclusters")).json()
        assert [o["metadata"]["name"] for o in listed["items"]] == ["team-a-c"]
        assert listed["total"] == 1
        names = [
            n["metadata"]["name"] for n in (await alice.get("/api/v1/namespaces")).json()["items"]
        ]
        assert names == ["team-a"]
        for method, url in (
            ("GET", "/api/v1/namespaces/team-b"),
            ("GET", "/api/v1/namespaces/team-b/rayclusters"),
            ("GET", "/api/v1/namespaces/team-b/rayclusters/team-b-c"),
            ("GET", "/api/v1/namespaces/team-b/rayclusters/team-b-c/logs"),
            ("POST", "/api/v1/namespaces/team-b/rayclusters/team-b-c/stop"),
            ("DELETE", "/api/v1/namespaces/team-b/rayclusters/team-b-c"),
        ):
            response = await alice.request(method, url)
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            assert "team-b" in response.json()["message"]
        created = await alice.post(
            "/api/v1/namespaces/team-b/rayclusters", json=raycluster("sneaky")
        )
        assert created.status_code == 404
        assert (await alice.post("/api/v1/namespaces/team-a/rayclusters/team-a-c/stop")).is_success
    team_b = (await api.get("/api/v1/namespaces/team-b/rayclusters")).json()["items"]
    assert [(o["metadata"]["name"], o["status"]["state"]) for o in team_b] == [
        ("team-b-c", "ready")
    ]


async def test_creator_annotation_holds_the_real_user_and_lists_filter_by_it(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    body = raycluster("bobs")
    body["metadata"]["annotations"] = {"raydeck.io/creator": "mallory"}
    async with as_user(transport, api, "bob", role="cluster-admin", namespaces=["default"]) as bob:
        created = await bob.post("/api/v1/namespaces/default/rayclusters", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["metadata"]["annotations"]["raydeck.io/creator"] == "bob"
    await api.post("/api/v1/namespaces/default/rayclusters", json=raycluster("admins"))
    by_bob = (await api.get("/api/v1/rayclusters", params={"creator": "bob"})).json()["items"]
    assert [o["metadata"]["name"] for o in by_bob] == ["bobs"]


async def test_viewers_see_secrets_masked_and_cluster_admins_see_them(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    body = raycluster("secretive")
    head = body["spec"]["headGroupSpec"]
    head["rayStartParams"]["redis-password"] = "hunter2"
    head["template"]["spec"]["containers"][0]["env"] = [
        {"name": "DB_PASSWORD", "value": "s3cret"},
        {"name": "LOG_LEVEL", "value": "debug"},
    ]
    assert (await api.post("/api/v1/namespaces/default/rayclusters", json=body)).is_success
    async with as_user(transport, api, "vic", role="viewer", namespaces=["default"]) as viewer:
        shown = (await viewer.get("/api/v1/namespaces/default/rayclusters/secretive")).json()
        exported = (await viewer.get("/api/v1/namespaces/default/rayclusters/secretive/yaml")).text
        listed = (await viewer.get("/api/v1/rayclusters")).json()["items"][0]
    for view in (shown["spec"], listed["spec"]):
        view_head = view["headGroupSpec"]
        assert view_head["rayStartParams"]["redis-password"] == "******"
        assert view_head["template"]["spec"]["containers"][0]["env"] == [
            {"name": "DB_PASSWORD", "value": "******"},
            {"name": "LOG_LEVEL", "value": "debug"},
        ]
    assert "hunter2" not in exported and "s3cret" not in exported
    clear = (await api.get("/api/v1/namespaces/default/rayclusters/secretive")).json()
    assert clear["spec"]["headGroupSpec"]["rayStartParams"]["redis-password"] == "hunter2"


async def test_only_platform_admins_manage_users_and_namespaces(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    async with as_user(
        transport, api, "carol", role="cluster-admin", namespaces=["default"]
    ) as carol:
        assert (await carol.post("/api/v1/namespaces", json={"name": "mine"})).status_code == 403
        assert (await carol.get("/api/v1/users")).status_code == 403
        assert (await carol.get("/api/v1/users/admin")).status_code == 404
        me = (await carol.get("/api/v1/whoami")).json()
        assert me == {**me, "username": "carol", "role": "cluster-admin", "namespaces": ["default"]}
        changed = await carol.patch(
            "/api/v1/users/carol",
            json={"password": "a-new-password", "currentPassword": PASSWORD},
        )
        assert changed.status_code == 200
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as again:
        await login(again, "carol", "a-new-password")


async def test_bad_user_input_names_the_field_and_stores_nothing(api: httpx.AsyncClient) -> None:
    cases = [
        ({"username": "Bad Name", "password": PASSWORD, "role": "viewer"}, "username"),
        ({"username": "dave", "password": "short", "role": "viewer"}, "password"),
        ({"username": "dave", "password": PASSWORD, "role": "root"}, "role"),
        ({"username": "dave", "password": PASSWORD, "namespaces": ["nowhere"]}, "namespaces[0]"),
    ]
    for body, field in cases:
        response = await api.post("/api/v1/users", json=body)
        assert response.status_code == 422, response.text
        assert field in [c["field"] for c in response.json()["details"]["causes"]]
    users = (await api.get("/api/v1/users")).json()["items"]
    assert [u["username"] for u in users] == ["admin"]
    again = await api.post("/api/v1/users", json={"username": "admin", "password": PASSWORD})
    assert again.status_code == 409
