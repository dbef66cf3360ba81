"""Ray tokens of local clusters: random per incarnation, only in raydeck's store (finding 2).

A real store on a real data directory; no Ray processes: the token is raydeck's decision.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from raydeck.platforms.local.ray_auth import LEGACY_KEY_FILE, RayAuth
from raydeck.store.records import PodRecord
from raydeck.store.store import Store
from tests.support.samples import raycluster


@pytest.fixture
async def store(data_dir: Path) -> AsyncIterator[Store]:
    opened = Store(data_dir / "raydeck.db")
    await opened.open()
    yield opened
    await opened.close()


async def test_each_cluster_incarnation_gets_its_own_random_token(store: Store) -> None:
    auth = RayAuth(store, enabled=True)
    first = await store.create(
        "RayCluster", "default", raycluster("c"), is_template=False, creator=""
    )
    other = await store.create(
        "RayCluster", "default", raycluster("d"), is_template=False, creator=""
    )
    token = await auth.token(first.uid)

    assert token is not None and len(token) == 64
    assert await auth.token(first.uid) == token  # stable while the cluster lives
    assert await auth.token(other.uid) != token
    await store.delete(first.key)
    again = await store.create(
        "RayCluster", "default", raycluster("c"), is_template=False, creator=""
    )
    assert await auth.token(again.uid) not in (None, token)


async def test_the_token_lives_only_in_the_store_and_survives_a_restart(
    store: Store, data_dir: Path
) -> None:
    obj = await store.create(
        "RayCluster", "default", raycluster("c"), is_template=False, creator=""
    )
    token = await RayAuth(store, enabled=True).token(obj.uid)

    assert await RayAuth(store, enabled=True).token(obj.uid) == token  # a restarted raydeck
    assert sorted(p.name for p in data_dir.iterdir() if "key" in p.name) == []


async def test_a_deleted_cluster_leaves_no_token_behind(store: Store) -> None:
    obj = await store.create(
        "RayCluster", "default", raycluster("c"), is_template=False, creator=""
    )
    token = await RayAuth(store, enabled=True).token(obj.uid)
    await store.delete(obj.key)

    # The uid is gone with its token: asking again makes a new one, never the old.
    assert await store.ray_token(obj.uid, new=lambda: "fresh") == "fresh" != token


async def test_the_shared_key_of_earlier_versions_is_retired_after_keeping_running_tokens(
    store: Store, data_dir: Path
) -> None:
    key = bytes(range(32))
    (data_dir / LEGACY_KEY_FILE).write_text(key.hex())
    await store.create_namespace("team-a")
    running = await store.create(
        "RayCluster", "team-a", raycluster("c"), is_template=False, creator=""
    )
    pod = PodRecord("c-head-x", running.uid, "team-a", "c", "headgroup", "head", {})
    auth = RayAuth(store, enabled=True)

    await auth.retire_legacy_key(data_dir, [pod])

    assert not (data_dir / LEGACY_KEY_FILE).exists()
    kept = hmac.new(key, b"team-a/c", hashlib.sha256).hexdigest()
    assert await auth.token(running.uid) == kept  # its nodes still accept raydeck's calls
