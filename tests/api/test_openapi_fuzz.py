"""Every operation in the OpenAPI document, fed generated input: never a 5xx.

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

from raydeck.settings import Settings
from tests.support.http_server import serving


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, list[Any]]]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    try:
        with serving(Settings(data_dir=data_dir)) as url:
            schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
            operations = [result.ok() for result in schema.get_all_operations()]
            yield url, operations
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_no_operation_answers_with_a_server_error(api: tuple[str, list[Any]]) -> None:
    url, operations = api
    assert len(operations) >= 15
    failures: list[str] = []

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def exercise(data: st.DataObject) -> None:
        for operation in operations:
            case = data.draw(operation.as_strategy(), label=operation.label)
            response = case.call(base_url=url)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

    exercise()
    assert not failures, "\n".join(failures[:10])
