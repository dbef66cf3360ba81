"""Every operation in the OpenAPI document, fed generated input as admin: never a 5xx.

Bad input must be a clear 4xx; a server error would mean a traceback-shaped
failure reached the client. Runs against a real HTTP server (in-memory
platform). Schemathesis generates the cases; Hypothesis drives them directly
(schemathesis' own pytest plugin does not load with this pytest).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raydeck.settings import get_settings
from tests.support.auth import ADMIN_PASSWORD, auth, login_sync
from tests.support.http_server import serving

#: Operations that would end the admin's own session mid-run; the access tests cover them.
SELF_ENDING = {("POST", "/api/v1/logout"), ("DELETE", "/api/v1/session")}


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, dict[str, str], list[Any]]]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    settings = get_settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, console=False)
    # Generated logins fail on purpose; they must not lock the test's own address out.
    settings.auth.login_max_failures = 1_000_000
    try:
        with serving(settings) as url:
            headers = auth(login_sync(url))
            schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=headers)
            operations = [
                result.ok()
                for result in schema.get_all_operations()
                if (result.ok().method.upper(), result.ok().path) not in SELF_ENDING
            ]
            yield url, headers, operations
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_no_operation_answers_with_a_server_error(
    api: tuple[str, dict[str, str], list[Any]],
) -> None:
    url, headers, operations = api
    assert len(operations) >= 15
    failures: list[str] = []
    statuses: set[int] = set()

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def exercise(data: st.DataObject) -> None:
        for operation in operations:
            case = data.draw(operation.as_strategy(), label=operation.label)
            response = case.call(base_url=url, headers=headers)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

    exercise()
    assert not failures, "\n".join(failures[:10])
    assert any(200 <= code < 300 for code in statuses), f"never got past the guard: {statuses}"
