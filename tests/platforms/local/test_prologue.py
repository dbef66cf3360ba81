"""The shared first step of every local reconciler, on a real store: what it hands out and
which leftovers it asks to remove."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from raydeck.platforms.local.prologue import current
from raydeck.resources import raycluster as rc
from raydeck.store.records import ObjectKey
from raydeck.store.store import Store
from tests.support.samples import raycluster


@pytest.fixture
async def store(data_dir: Path) -> AsyncIterator[Store]:
    opened = Store(data_dir / "raydeck.db")
    await opened.open()
    yield opened
    await opened.close()


class Leftovers:
    def __init__(self) -> None:
        self.calls: list[tuple[ObjectKey, str | None]] = []

    async def __call__(self, key: ObjectKey, keep_uid: str | None) -> None:
        self.calls.append((key, keep_uid))


async def test_an_existing_object_comes_typed_and_only_older_incarnations_are_removed(
    store: Store,
) -> None:
    obj = await store.create(
        "RayCluster", "default", raycluster("c"), is_template=False, creator=""
    )
    removed = Leftovers()

    found = await current(store, obj.key, rc.RayCluster, removed)

    assert found is not None
    assert found.obj.uid == obj.uid
    assert isinstance(found.model, rc.RayCluster)
    assert found.model.metadata.name == "c"
    assert removed.calls == [(obj.key, obj.uid)]


async def test_a_deleted_object_has_all_its_leftovers_removed(store: Store) -> None:
    key = ObjectKey("RayCluster", "default", "gone")
    removed = Leftovers()

    assert await current(store, key, rc.RayCluster, removed) is None
    assert removed.calls == [(key, None)]


async def test_a_template_is_never_run_and_nothing_is_removed_for_it(store: Store) -> None:
    template = await store.create(
        "RayCluster", "default", raycluster("t"), is_template=True, creator=""
    )
    removed = Leftovers()

    assert await current(store, template.key, rc.RayCluster, removed) is None
    assert removed.calls == []
