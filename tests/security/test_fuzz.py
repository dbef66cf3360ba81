"""Every operation in the OpenAPI document, fed generated input by a cluster-admin limited to
one namespace: never a 5xx, and no 4xx answer leaves anything behind in the store.

A real HTTP server over the in-memory platform (no Ray); schemathesis generates the cases and
Hypothesis drives them (as in tests/api/test_openapi_fuzz.py). After each 4xx the store's
namespaces, objects, users and quotas are compared with what they were before the request.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raydeck.settings import get_settings
from tests.security.conftest import PASSWORD, TEAM
from tests.support.auth import ADMIN_PASSWORD, auth, login_sync
from tests.support.http_server import serving
from tests.support.samples import raycluster

SELF_ENDING = {("POST", "/api/v1/logout"), ("DELETE", "/api/v1/session")}
#: What a refused request must not change (tokens, events and the audit log may: a failed
#: login is audited, a request's token records its last use).
STORED = {
    "namespaces": "SELECT name FROM namespaces",
    "objects": "SELECT kind, namespace, name, resource_version, body FROM objects",
    "users": "SELECT username, password_hash, role, namespaces FROM users",
    "quotas": "SELECT * FROM quotas",
}


def snapshot(database: Path) -> dict[str, list[Any]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return {name: sorted(conn.execute(query).fetchall()) for name, query in STORED.items()}


@pytest.fixture(scope="module")
def tenant_api() -> Iterator[tuple[str, dict[str, str], Path, list[Any]]]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    config = get_settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, console=False)
    config.auth.login_max_failures = config.auth.login_client_max_failures = 1_000_000
    try:
        with serving(config) as url:
            admin = auth(login_sync(url))
            for namespace in (TEAM, "team-b"):
                httpx.post(f"{url}/api/v1/namespaces", json={"name": namespace}, headers=admin)
            user = {"username": "alice", "password": PASSWORD, "role": "cluster-admin"}
            user["namespaces"] = [TEAM]  # type: ignore[assignment]
            assert httpx.post(f"{url}/api/v1/users", json=user, headers=admin).status_code == 201
            theirs = raycluster("theirs", suspend=True)
            httpx.post(f"{url}/api/v1/namespaces/team-b/rayclusters", json=theirs, headers=admin)
            headers = auth(login_sync(url, "alice", PASSWORD))
            schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=headers)
            operations = [
                result.ok()
                for result in schema.get_all_operations()
                if (result.ok().method.upper(), result.ok().path) not in SELF_ENDING
            ]
            yield url, headers, data_dir / "raydeck.db", operations
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_a_tenant_gets_no_server_error_and_no_refused_request_stores_anything(
    tenant_api: tuple[str, dict[str, str], Path, list[Any]],
) -> None:
    url, headers, database, operations = tenant_api
    assert len(operations) >= 15
    failures: list[str] = []
    statuses: set[int] = set()

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def exercise(data: st.DataObject) -> None:
        for operation in operations:
            case = data.draw(operation.as_strategy(), label=operation.label)
            before = snapshot(database)
            response = case.call(base_url=url, headers=headers)
            statuses.add(response.status_code)
            what = f"{case.method} {case.formatted_path} -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{what}: {response.text[:300]}")
            elif 400 <= response.status_code < 500 and snapshot(database) != before:
                failures.append(f"{what} changed the store")

    exercise()
    assert not failures, "\n".join(failures[:10])
    assert any(200 <= code < 300 for code in statuses), f"never got past the guard: {statuses}"
    assert 403 in statuses or 404 in statuses  # the tenant was refused somewhere
