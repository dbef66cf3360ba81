"""Commands as KubeRay runs them, against real processes: a node whose overwritten command
exits puts its last output into its NodeFailed event, so the user sees why."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.local_app import local_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/default/rayclusters"


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with local_raydeck(restart_backoff_initial=0.5, termination_grace_seconds=3.0) as client:
        yield client


async def test_a_node_that_exits_says_why_in_its_event(api: httpx.AsyncClient) -> None:
    body = raycluster("exits", workers=0)
    body["metadata"]["annotations"] = {"ray.io/overwrite-container-cmd": "true"}
    head = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head["command"] = ["/bin/sh", "-c", "echo 'settings.toml: no such file' >&2; exit 3"]
    assert (await api.post(BASE, json=body)).status_code == 201

    async def failed_event() -> str | None:
        events = (await api.get(f"{BASE}/exits/events")).json()["items"]
        found = [e["message"] for e in events if e["reason"] == "NodeFailed"]
        return found[0] if found else None

    message = await eventually(failed_event, timeout=120, interval=0.5, what="a NodeFailed event")
    assert "settings.toml: no such file" in message
