"""Writes the server does on the caller's behalf survive a controller's status write in between."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from raydeck.app import create_app
from raydeck.settings import Settings
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store
from tests.support.auth import login
from tests.support.memory_platform import MemoryPlatform
from tests.support.samples import raycluster

BASE = "/api/v1/namespaces/default/rayclusters"


class RacingPlatform(MemoryPlatform):
    """Before each of the next ``races`` writes, a "controller" writes the object's status."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.races = 0

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        if self.races:
            self.races -= 1
            current = await self._store.get(key)
            await self._store.write_status(
                key, {**(current.status or {}), "lastProbe": self.races}, uid=current.uid
            )
        return await super().replace(key, body, expected_version=expected_version)


@pytest.fixture
async def racing(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, RacingPlatform]]:
    platforms: list[RacingPlatform] = []

    def factory(store: Store, _settings: Settings) -> RacingPlatform:
        platforms.append(RacingPlatform(store))
        return platforms[0]

    app = create_app(settings, platform_factory=factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
            await login(client)
            yield client, platforms[0]


async def test_patch_without_version_is_applied_to_the_newer_object(
    racing: tuple[httpx.AsyncClient, RacingPlatform],
) -> None:
    api, platform = racing
    assert (await api.post(BASE, json=raycluster("raced"))).status_code == 201
    platform.races = 2
    patched = await api.patch(
        f"{BASE}/raced",
        json={"metadata": {"labels": {"team": "a"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["metadata"]["labels"]["team"] == "a"
    assert platform.races == 0


async def test_patch_with_a_stale_version_is_still_a_conflict(
    racing: tuple[httpx.AsyncClient, RacingPlatform],
) -> None:
    api, platform = racing
    created = (await api.post(BASE, json=raycluster("pinned"))).json()
    platform.races = 1
    patched = await api.patch(
        f"{BASE}/pinned",
        json={"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 409
    assert "stale" in patched.json()["message"]


async def test_stop_and_start_retry_past_status_writes(
    racing: tuple[httpx.AsyncClient, RacingPlatform],
) -> None:
    api, platform = racing
    assert (await api.post(BASE, json=raycluster("toggled"))).status_code == 201
    platform.races = 3
    stopped = await api.post(f"{BASE}/toggled/stop")
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["spec"]["suspend"] is True
    platform.races = 3
    started = await api.post(f"{BASE}/toggled/start")
    assert started.status_code == 200, started.text
    assert started.json()["spec"]["suspend"] is False
