"""raydeck's store: SQLite (WAL) through SQLAlchemy Core, with Kubernetes-style object semantics.

``Store`` is the one way in for managers and platforms: it owns the engine and
one dedicated thread, so the event loop never blocks on SQLite and writes are
serialised, and it tells subscribers after a change is committed. The work is
done by plain functions over one connection, one module per job (``objects``,
``lists``, ``namespaces``, ``events``, ``pods``, ``mirror``, ``accounts``, ...);
each method here runs one of them in one transaction (``transact``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Connection, Engine

from raydeck.store import (
    events,
    job_logs,
    lists,
    mirror,
    namespaces,
    objects,
    pods,
    ray_tokens,
)
from raydeck.store.engine import open_engine
from raydeck.store.records import (
    EventRecord,
    ListPage,
    ListQuery,
    NamespaceRecord,
    ObjectKey,
    PodRecord,
    StoredObject,
)

T = TypeVar("T")
P = ParamSpec("P")


class Store:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raydeck-store")
        self._engine: Engine | None = None
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[ObjectKey]]] = []

    # -- lifecycle and transactions ---------------------------------------------------------

    async def open(self) -> None:
        def run() -> None:
            self._engine = open_engine(self._path)
            with self._tx() as conn:
                namespaces.ensure(conn, namespaces.DEFAULT_NAMESPACE)

        await self._run(run)

    async def close(self) -> None:
        if self._engine is not None:
            await self._run(self._engine.dispose)
        self._executor.shutdown(wait=True)

    async def transact(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(connection, *args, **kwargs)`` in one transaction on the store's thread.

        The functions of ``objects``, ``namespaces``, ``accounts`` (users, tokens, audit,
        quotas) and the other store modules are written for it.
        """

        def run() -> T:
            with self._tx() as conn:
                return fn(conn, *args, **kwargs)

        return await self._run(run)

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        assert self._engine is not None, "Store.open() was not awaited"
        with self._engine.begin() as conn:
            yield conn

    # -- change notifications ---------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[ObjectKey]:
        """A queue that receives the key of every object created, changed or deleted."""
        queue: asyncio.Queue[ObjectKey] = asyncio.Queue()
        self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def _notify(self, key: ObjectKey) -> None:
        for loop, queue in self._subscribers:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, key)

    # -- namespaces -------------------------------------------------------------------------

    async def list_namespaces(self) -> list[NamespaceRecord]:
        return await self.transact(namespaces.list_all)

    async def get_namespace(self, name: str) -> NamespaceRecord:
        return await self.transact(namespaces.get, name)

    async def create_namespace(self, name: str) -> NamespaceRecord:
        return await self.transact(namespaces.create, name)

    async def delete_namespace(self, name: str) -> None:
        await self.transact(namespaces.delete, name)

    # -- objects ----------------------------------------------------------------------------

    async def create(
        self,
        kind: str,
        namespace: str,
        body: dict[str, Any],  # raw YAML in: stored as written
        *,
        is_template: bool,
        creator: str,
    ) -> StoredObject:
        obj = await self.transact(
            objects.create, kind, namespace, body, is_template=is_template, creator=creator
        )
        self._notify(obj.key)
        return obj

    async def get(self, key: ObjectKey) -> StoredObject:
        return await self.transact(objects.get, key)

    async def replace(
        self,
        key: ObjectKey,
        body: dict[str, Any],  # raw YAML in: stored as written
        *,
        expected_version: int | None,
    ) -> StoredObject:
        """Replace the user-owned body; ``generation`` moves when the spec changes."""
        obj = await self.transact(objects.replace, key, body, expected_version)
        self._notify(obj.key)
        return obj

    async def write_status(
        self,
        key: ObjectKey,
        status: dict[str, Any],  # Kubernetes JSON, as the platform reports it
        *,
        uid: str,
    ) -> StoredObject:
        """Write ``status`` of the object with that uid; NotFound if it was deleted meanwhile."""
        return await self.transact(objects.write_status, key, status, uid)

    async def delete(self, key: ObjectKey, *, uid: str | None = None) -> StoredObject:
        obj = await self.transact(objects.delete, key, uid)
        self._notify(obj.key)
        return obj

    async def list_objects(self, query: ListQuery) -> ListPage:
        return await self.transact(lists.list_objects, query)

    async def count_states(self, query: ListQuery) -> dict[str, int]:
        """What ``list_objects(query)`` would match, counted per state, in one query."""
        return await self.transact(lists.count_states, query)

    async def instances(self, kind: str) -> list[StoredObject]:
        page = await self.list_objects(ListQuery(kind=kind, type="instance"))
        return page.items

    # -- mirroring (the kubernetes platform) ------------------------------------------------

    async def mirror(self, obj: StoredObject, *, refresh: bool = False) -> StoredObject | None:
        """Keep ``obj`` as another system reported it: its uid, resourceVersion and timestamps.

        A report older than the stored copy is ignored, and so is one of the same version
        unless ``refresh`` (what raydeck shows beside it changed, e.g. Kueue's admission); a
        template of the same name wins (None is returned) because templates exist only here.
        The namespace is added if needed.
        """
        result, changed = await self.transact(mirror.mirror, obj, refresh)
        if changed:
            self._notify(obj.key)
        return result

    async def mirror_namespaces(self, records: list[NamespaceRecord]) -> None:
        """Make the namespaces exactly ``records``, except ones that still hold objects."""
        await self.transact(mirror.mirror_namespaces, records)

    async def replace_events(self, obj_uid: str, records: list[EventRecord]) -> None:
        """Make the events of the object with ``obj_uid`` exactly ``records`` (as reported)."""
        await self.transact(events.replace_all, obj_uid, records)

    # -- events, job logs, Ray tokens, pods -------------------------------------------------

    async def record_event(
        self, obj: StoredObject, *, type_: str, reason: str, message: str
    ) -> None:
        """Record an event about ``obj``; a repeat of the latest one only raises its count."""
        await self.transact(events.record, obj, type_, reason, message)

    async def list_events(self, obj: StoredObject) -> list[EventRecord]:
        return await self.transact(events.list_of, obj.uid)

    async def save_job_log(self, owner_uid: str, *, job_id: str, text: str) -> None:
        """Keep a job's driver log beyond its cluster; replaces the previous copy."""
        await self.transact(job_logs.save, owner_uid, job_id, text)

    async def job_log(self, owner_uid: str) -> str | None:
        return await self.transact(job_logs.get, owner_uid)

    async def ray_token(self, object_uid: str, *, new: Callable[[], str]) -> str:
        """The object's Ray token; ``new()`` makes it the first time it is asked for."""
        return await self.transact(ray_tokens.get, object_uid, new)

    async def save_pod(self, pod: PodRecord) -> None:
        await self.transact(pods.save, pod)

    async def list_pods(self, owner_uid: str | None = None) -> list[PodRecord]:
        return await self.transact(pods.list_of, owner_uid)

    async def delete_pod(self, name: str) -> None:
        await self.transact(pods.delete, name)
