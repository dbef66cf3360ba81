"""Secrets over the API: stored as the API server stores them, their values shown only to roles
that may see secrets and only one Secret at a time, never in lists, errors or the audit log.

Who may read a Secret's data: a platform-admin, and a cluster-admin in a namespace granted to
them; a viewer sees its keys with masked values; nobody sees a namespace not granted.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import yaml

from raydeck.resources.masking import MASK
from tests.support.auth import add_user, login
from tests.support.samples import raycluster

VALUE = "pa55-word-of-team-a"
ENCODED = base64.b64encode(VALUE.encode()).decode()
PASSWORD = "password-of-" + "a-user"


def secrets_of(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/secrets"


def sample(name: str = "db-creds", **fields: Any) -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}}
    return body | (fields or {"stringData": {"password": VALUE}, "data": {"user": "cmF5"}})


@asynccontextmanager
async def as_user(
    transport: httpx.ASGITransport, admin: httpx.AsyncClient, name: str, role: str, ns: list[str]
) -> AsyncIterator[httpx.AsyncClient]:
    await add_user(admin, name, role=role, namespaces=ns, password=PASSWORD)
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
        await login(client, name, PASSWORD)
        yield client


async def setup(api: httpx.AsyncClient) -> None:
    for ns in ("team-a", "team-b"):
        assert (await api.post("/api/v1/namespaces", json={"name": ns})).status_code == 201
        created = await api.post(secrets_of(ns), json=sample())
        assert created.status_code == 201, created.text


async def test_string_data_is_stored_as_base64_data_of_type_opaque(api: httpx.AsyncClient) -> None:
    await setup(api)
    body = (await api.get(f"{secrets_of('team-a')}/db-creds")).json()
    assert body["data"] == {"user": "cmF5", "password": ENCODED}
    assert body["type"] == "Opaque" and "stringData" not in body and "status" not in body
    text = (await api.get(f"{secrets_of('team-a')}/db-creds/yaml")).text
    assert yaml.safe_load(text)["data"]["password"] == ENCODED


async def test_a_platform_admin_reads_data_but_no_list_carries_a_value(
    api: httpx.AsyncClient,
) -> None:
    await setup(api)
    for url in (secrets_of("team-a"), "/api/v1/secrets"):
        listed = (await api.get(url)).json()
        assert listed["kind"] == "SecretList" and listed["items"]
        assert all(set(i["data"].values()) == {MASK} for i in listed["items"])
        assert VALUE not in json.dumps(listed) and ENCODED not in json.dumps(listed)


async def test_a_cluster_admin_reads_and_writes_only_its_own_namespaces_secrets(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    await setup(api)
    async with as_user(transport, api, "carol", "cluster-admin", ["team-a"]) as carol:
        mine = (await carol.get(f"{secrets_of('team-a')}/db-creds")).json()
        assert mine["data"]["password"] == ENCODED
        for attempt in (
            carol.get(f"{secrets_of('team-b')}/db-creds"),
            carol.get(f"{secrets_of('team-b')}/db-creds/yaml"),
            carol.get(secrets_of("team-b")),
        ):
            assert (await attempt).status_code == 404
        everywhere = (await carol.get("/api/v1/secrets")).json()["items"]
        assert {i["metadata"]["namespace"] for i in everywhere} == {"team-a"}
        patch = {"stringData": {"token": "t0ken"}}
        changed = await carol.patch(f"{secrets_of('team-a')}/db-creds", json=patch)
        assert changed.status_code == 200, changed.text
        assert set(changed.json()["data"]) == {"user", "password", "token"}
        assert (
            await carol.patch(f"{secrets_of('team-b')}/db-creds", json=patch)
        ).status_code == 404


async def test_a_viewer_sees_keys_but_never_values(
    api: httpx.AsyncClient, transport: httpx.ASGITransport
) -> None:
    await setup(api)
    async with as_user(transport, api, "vic", "viewer", ["team-a"]) as vic:
        for url in (
            f"{secrets_of('team-a')}/db-creds",
            f"{secrets_of('team-a')}/db-creds/yaml",
            secrets_of("team-a"),
        ):
            response = await vic.get(url)
            assert response.status_code == 200
            assert VALUE not in response.text and ENCODED not in response.text
            assert "password" in response.text
        assert (await vic.post(secrets_of("team-a"), json=sample("mine"))).status_code == 403
        assert (await vic.delete(f"{secrets_of('team-a')}/db-creds")).status_code == 403


async def test_refusals_name_the_field_and_never_hold_a_value(api: httpx.AsyncClient) -> None:
    await setup(api)
    bad = sample("broken", data={"password": VALUE + "%"}, stringData={"a/b": VALUE})
    response = await api.post(secrets_of("team-a"), json=bad)
    assert response.status_code == 422
    fields = {c["field"] for c in response.json()["details"]["causes"]}
    assert fields == {"data.password", "stringData.a/b"}
    assert VALUE not in response.text
    assert (await api.get(f"{secrets_of('team-a')}/broken")).status_code == 404


async def test_the_audit_log_records_secret_changes_without_their_values(
    api: httpx.AsyncClient,
) -> None:
    await setup(api)
    await api.patch(f"{secrets_of('team-a')}/db-creds", json={"stringData": {"x": VALUE}})
    assert (await api.delete(f"{secrets_of('team-b')}/db-creds")).status_code == 200
    entries = (await api.get("/api/v1/audit", params={"limit": 50})).json()["items"]
    mine = [e for e in entries if e["kind"] == "Secret"]
    assert {e["action"] for e in mine} == {"create", "update", "delete"}
    assert VALUE not in json.dumps(entries) and ENCODED not in json.dumps(entries)


async def test_kinds_raydeck_does_not_take_are_refused_naming_the_kind(
    api: httpx.AsyncClient,
) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "redis"}}
    response = await api.post("/api/v1/namespaces/default/deployments", json=deployment)
    assert response.status_code == 422
    cause = response.json()["details"]["causes"][0]
    assert cause["field"] == "kind" and "Deployment (apps/v1)" in cause["message"]
    assert "kubectl" in cause["message"]
    # A raydeck kind on a wrong path is still a missing route, not a refusal.
    wrong = await api.post("/api/v1/namespaces/default/clusters", json=raycluster("x"))
    assert wrong.status_code == 404


async def test_generate_name_gives_each_create_a_new_name(api: httpx.AsyncClient) -> None:
    body = raycluster("unused")
    body["metadata"] = {"generateName": "toy-"}
    names = set()
    for _ in range(2):
        created = await api.post("/api/v1/namespaces/default/rayclusters", json=body)
        assert created.status_code == 201, created.text
        names.add(created.json()["metadata"]["name"])
    assert len(names) == 2 and all(n.startswith("toy-") and len(n) == 9 for n in names)
