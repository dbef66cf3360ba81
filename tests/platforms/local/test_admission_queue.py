"""The admission queue against real Ray: a cluster over its namespace's quota waits, then starts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_app import local_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
BASE = "/api/v1/namespaces/team/rayclusters"


async def status_of(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await api.get(f"{BASE}/{name}")
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json().get("status") or {}
    return status


async def ray_heads(api: httpx.AsyncClient, name: str) -> int:
    pods = (await api.get(f"{BASE}/{name}/pods")).json()["items"]
    return sum(1 for p in pods if p["nodeType"] == "head" and p["pid"])


async def test_second_cluster_over_the_quota_waits_and_starts_when_the_first_stops() -> None:
    async with local_raydeck(termination_grace_seconds=3.0, resync_seconds=0.5) as api:
        assert (await api.post("/api/v1/namespaces", json={"name": "team"})).status_code == 201
        quota = await api.put("/api/v1/namespaces/team/quota", json={"cpu": "1500m"})
        assert quota.status_code == 200
        first = raycluster("first", workers=0, cpu="1")
        assert (await api.post(BASE, json=first)).status_code == 201

        async def ready(name: str) -> bool:
            return (await status_of(api, name)).get("state") == "ready"

        await eventually(lambda: ready("first"), timeout=120, what="first ready")
        second = raycluster("second", workers=0, cpu="1")
        assert (await api.post(BASE, json=second)).status_code == 201

        async def queued() -> dict[str, Any] | None:
            status = await status_of(api, "second")
            return status if "admission queue" in status.get("reason", "") else None

        waiting = await eventually(queued, timeout=30, what="second queued")
        assert (
            "at position 1" in waiting["reason"]
            and "quota of namespace 'team'" in waiting["reason"]
        )
        assert waiting.get("state") in (None, "")
        queue = (await api.get("/api/v1/namespaces/team/queue")).json()["items"]
        assert [(q["name"], q["position"]) for q in queue] == [("second", 1)]
        assert await ray_heads(api, "second") == 0
        events = (await api.get(f"{BASE}/second/events")).json()["items"]
        assert any(e["reason"] == "Queued" for e in events)

        assert (await api.post(f"{BASE}/first/stop")).is_success
        await eventually(lambda: ready("second"), timeout=120, what="second started")
        assert await ray_heads(api, "second") == 1
        assert "reason" not in await status_of(api, "second")
        assert (await api.get("/api/v1/namespaces/team/queue")).json()["items"] == []
        # The first cannot come back while the second holds the quota: it queues in turn.
        assert (await api.post(f"{BASE}/first/start")).is_success

        async def first_queued() -> bool:
            return "admission queue" in (await status_of(api, "first")).get("reason", "")

        await eventually(first_queued, timeout=30, what="first queued behind second")
        assert await ray_heads(api, "first") == 0
