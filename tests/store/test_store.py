"""The store's Kubernetes-style semantics: names, versions, generation, lists, events, notifications."""

from __future__ import annotations

import asyncio
import shutil
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from raydeck.errors import AlreadyExists, InvalidState, NotFound, StaleResourceVersion
from raydeck.store.records import ListPage, ListQuery, ObjectKey
from raydeck.store.store import Store
from tests.support.samples import raycluster

KIND = "RayCluster"


@pytest.fixture
async def store(data_dir: Path) -> AsyncIterator[Store]:
    opened = Store(data_dir / "raydeck.db")
    await opened.open()
    yield opened
    await opened.close()


async def test_default_namespace_exists_and_survives_reopening(data_dir: Path) -> None:
    first = Store(data_dir / "raydeck.db")
    await first.open()
    await first.create(KIND, "default", raycluster("kept"), is_template=False, creator="me")
    await first.close()
    again = Store(data_dir / "raydeck.db")
    await again.open()
    assert [n.name for n in await again.list_namespaces()] == ["default"]
    assert (await again.get(ObjectKey(KIND, "default", "kept"))).creator == "me"
    await again.close()


async def test_versions_move_on_every_write_and_generation_only_on_spec(store: Store) -> None:
    created = await store.create(KIND, "default", raycluster("v"), is_template=False, creator="")
    labelled = raycluster("v", labels={"team": "a"})
    relabelled = await store.replace(
        created.key, labelled, expected_version=created.resource_version
    )
    assert relabelled.resource_version > created.resource_version and relabelled.generation == 1
    respecced = await store.replace(created.key, raycluster("v", workers=3), expected_version=None)
    assert respecced.generation == 2
    status = await store.write_status(created.key, {"state": "ready"}, uid=created.uid)
    assert status.generation == 2 and status.resource_version > respecced.resource_version
    with pytest.raises(StaleResourceVersion):
        await store.replace(created.key, labelled, expected_version=created.resource_version)


async def test_server_fields_in_a_body_are_not_stored(store: Store) -> None:
    body = raycluster("clean")
    body["metadata"] |= {
        "uid": "forged",
        "resourceVersion": "99",
        "annotations": {"raydeck.io/type": "x"},
    }
    body["status"] = {"state": "ready"}
    created = await store.create(KIND, "default", body, is_template=False, creator="")
    assert created.uid != "forged" and created.status is None
    assert "annotations" not in created.body["metadata"]


async def test_names_are_unique_per_kind_and_namespace(store: Store) -> None:
    await store.create_namespace("other")
    await store.create(KIND, "default", raycluster("same"), is_template=False, creator="")
    await store.create(KIND, "other", raycluster("same"), is_template=False, creator="")
    with pytest.raises(AlreadyExists):
        await store.create(KIND, "default", raycluster("same"), is_template=True, creator="")
    with pytest.raises(NotFound):
        await store.create(KIND, "missing", raycluster("x"), is_template=False, creator="")


async def test_status_write_for_a_replaced_object_is_refused(store: Store) -> None:
    first = await store.create(KIND, "default", raycluster("reborn"), is_template=False, creator="")
    await store.delete(first.key)
    await store.create(KIND, "default", raycluster("reborn"), is_template=False, creator="")
    with pytest.raises(NotFound):
        await store.write_status(first.key, {"state": "ready"}, uid=first.uid)


async def test_search_escapes_like_wildcards(store: Store) -> None:
    for name in ("abc", "a-b-c", "xyz"):
        await store.create(KIND, "default", raycluster(name), is_template=False, creator="")
    assert (await store.list_objects(ListQuery(kind=KIND, search="%"))).total == 0
    assert (await store.list_objects(ListQuery(kind=KIND, search="_"))).total == 0


@pytest.fixture(scope="module")
def perf_db() -> Iterator[Path]:
    """A database of 3,000 clusters ``perf-00000`` … ``perf-02999`` (issue 19's example),
    written once for the module: each test opens its own store on it."""
    path = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))

    async def fill() -> None:
        store = Store(path / "raydeck.db")
        await store.open()
        for i in range(3000):
            body = raycluster(f"perf-{i:05d}")
            await store.create(KIND, "default", body, is_template=False, creator="")
        await store.close()

    asyncio.run(fill())
    yield path / "raydeck.db"
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def perf_store(perf_db: Path) -> AsyncIterator[Store]:
    opened = Store(perf_db)
    await opened.open()
    yield opened
    await opened.close()


async def _search(store: Store, text: str, **query: Any) -> ListPage:
    return await store.list_objects(ListQuery(kind=KIND, search=text, **query))


async def test_a_search_finds_exactly_the_names_that_contain_it(perf_store: Store) -> None:
    page = await _search(perf_store, "perf-01", limit=20)
    assert page.total == 1000 and not page.close_matches
    assert [o.name for o in page.items][:2] == ["perf-01000", "perf-01001"]
    assert (await _search(perf_store, "PERF-0299")).total == 10
    last = await _search(perf_store, "-02999")
    assert [o.name for o in last.items] == ["perf-02999"]


async def test_close_matches_appear_only_when_no_name_contains_the_search(
    perf_store: Store,
) -> None:
    # "perf-0299" is in 10 names; its characters in order are in 30: close matches stay out.
    assert (await _search(perf_store, "perf-0299")).total == 10
    typo = await _search(perf_store, "prf-029", limit=5)
    assert typo.close_matches and typo.total == 327
    assert [o.name for o in typo.items] == [f"perf-{i:05d}" for i in (29, 129, 209, 219, 229)]
    nothing = await _search(perf_store, "perf-0x")
    assert nothing.total == 0 and nothing.items == []


async def test_state_counts_follow_the_same_search(perf_store: Store) -> None:
    assert await perf_store.count_states(ListQuery(kind=KIND, search="perf-01")) == {
        "pending": 1000
    }
    assert await perf_store.count_states(ListQuery(kind=KIND, search="prf-029")) == {"pending": 327}


async def test_selectors_match_labels_with_dots_and_slashes(store: Store) -> None:
    await store.create(
        KIND,
        "default",
        raycluster("a", labels={"example.com/team": "x"}),
        is_template=False,
        creator="",
    )
    await store.create(KIND, "default", raycluster("b"), is_template=False, creator="")
    names = lambda page: [o.name for o in page.items]  # noqa: E731
    assert names(await store.list_objects(ListQuery(kind=KIND, selector="example.com/team=x"))) == [
        "a"
    ]
    assert names(await store.list_objects(ListQuery(kind=KIND, selector="!example.com/team"))) == [
        "b"
    ]
    assert names(
        await store.list_objects(ListQuery(kind=KIND, selector="example.com/team!=x"))
    ) == ["b"]


async def test_repeated_event_raises_its_count(store: Store) -> None:
    obj = await store.create(KIND, "default", raycluster("e"), is_template=False, creator="")
    for _ in range(3):
        await store.record_event(obj, type_="Warning", reason="NodeFailed", message="exited")
    await store.record_event(obj, type_="Normal", reason="RestartedNode", message="back")
    events = await store.list_events(obj)
    assert [(e.reason, e.count) for e in events] == [("NodeFailed", 3), ("RestartedNode", 1)]


async def test_subscribers_hear_every_change(store: Store) -> None:
    queue = store.subscribe()
    obj = await store.create(KIND, "default", raycluster("heard"), is_template=False, creator="")
    await store.replace(obj.key, raycluster("heard", workers=1), expected_version=None)
    await store.delete(obj.key)
    heard = [await asyncio.wait_for(queue.get(), 1) for _ in range(3)]
    assert heard == [obj.key] * 3


async def test_a_namespace_with_objects_cannot_be_deleted(store: Store) -> None:
    await store.create_namespace("busy")
    await store.create(KIND, "busy", raycluster("x"), is_template=False, creator="")
    with pytest.raises(InvalidState):
        await store.delete_namespace("busy")


async def test_states_are_counted_as_the_list_would_filter_them(store: Store) -> None:
    await store.create_namespace("team-b")
    for name, namespace, state in (
        ("a", "default", "ready"),
        ("b", "default", "ready"),
        ("c", "default", ""),
        ("d", "team-b", "ready"),
    ):
        obj = await store.create(KIND, namespace, raycluster(name), is_template=False, creator="")
        if state:
            await store.write_status(obj.key, {"state": state}, uid=obj.uid)
    await store.create(KIND, "default", raycluster("t"), is_template=True, creator="")
    instances = ListQuery("RayCluster", type="instance")
    assert await store.count_states(instances) == {"ready": 3, "pending": 1}
    only_default = ListQuery("RayCluster", type="instance", visible_namespaces=("default",))
    assert await store.count_states(only_default) == {"ready": 2, "pending": 1}
    assert await store.count_states(ListQuery("RayJob")) == {}


async def test_a_list_leaves_out_a_row_it_cannot_read_and_still_answers(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlalchemy as sa

    from raydeck.store import schema

    await store.create(KIND, "default", raycluster("good"), is_template=False, creator="")
    await store.create(KIND, "default", raycluster("broken"), is_template=False, creator="")

    def corrupt(conn: sa.Connection) -> None:
        conn.execute(
            schema.objects.update().where(schema.objects.c.name == "broken").values(body="{no")
        )

    await store.transact(corrupt)
    page = await store.list_objects(ListQuery(kind=KIND))
    assert [o.name for o in page.items] == ["good"]
    assert "RayCluster default/broken cannot be read" in caplog.text


async def test_resource_totals_past_int64_are_stored_as_the_largest_sortable_value(
    store: Store,
) -> None:
    body = raycluster("huge", workers=2**62, cpu="9000000000000")
    created = await store.create(KIND, "default", body, is_template=True, creator="")
    page = await store.list_objects(ListQuery(kind=KIND))
    assert [o.name for o in page.items] == [created.name]


async def test_the_data_directory_and_every_database_file_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    (data_dir / "raydeck.db").touch(mode=0o644)  # as an earlier version left them
    opened = Store(data_dir / "raydeck.db")
    await opened.open()
    try:
        await opened.create_namespace("team-a")  # a write: SQLite has made its WAL and SHM
        modes = {
            name: stat.S_IMODE((data_dir / name).stat().st_mode)
            for name in ("raydeck.db", "raydeck.db-wal", "raydeck.db-shm")
        }
    finally:
        await opened.close()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert modes == dict.fromkeys(modes, 0o600)


async def test_a_fresh_database_is_created_private(tmp_path: Path) -> None:
    opened = Store(tmp_path / "new" / "raydeck.db")
    await opened.open()
    await opened.close()
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "raydeck.db").stat().st_mode) == 0o600
