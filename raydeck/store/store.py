"""raydeck's store: SQLite (WAL) through SQLAlchemy Core, with Kubernetes-style object semantics.

Managers and the local platform call it; every method is async and runs on one
dedicated thread, so the event loop never blocks on SQLite and writes are
serialised. It enforces names, uids, resourceVersion and generation; it does
not validate specs (``resources.validation`` does) or run anything.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import stat
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from raydeck.errors import (
    AlreadyExists,
    BadRequest,
    InvalidState,
    NotFound,
    StaleResourceVersion,
)
from raydeck.resources.meta import now_rfc3339
from raydeck.resources.summary import summarize
from raydeck.resources.wellformed import INT64_MAX
from raydeck.store import schema
from raydeck.store.query import (
    CLOSE,
    CONTAINS,
    SearchMatch,
    build_list_statement,
    build_state_count_statement,
    has_close_matches,
)
from raydeck.store.records import (
    SERVER_META_FIELDS,
    TYPE_ANNOTATION,
    EventRecord,
    ListPage,
    ListQuery,
    NamespaceRecord,
    ObjectKey,
    PodRecord,
    StoredObject,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
DEFAULT_NAMESPACE = "default"
_MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raydeck-store")
        self._engine: Engine | None = None
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[ObjectKey]]] = []

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        _private_files(self._path)
        engine = sa.create_engine(
            f"sqlite:///{self._path}", connect_args={"check_same_thread": False}
        )
        sa.event.listen(engine, "connect", _configure_sqlite)
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        self._engine = engine
        with self._tx() as conn:
            if (
                conn.execute(
                    sa.select(schema.namespaces.c.name).where(
                        schema.namespaces.c.name == DEFAULT_NAMESPACE
                    )
                ).first()
                is None
            ):
                self._insert_namespace(conn, DEFAULT_NAMESPACE)

    async def close(self) -> None:
        if self._engine is not None:
            await self._run(self._engine.dispose)
        self._executor.shutdown(wait=True)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def transact(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)`` in one transaction on the store's thread.

        ``store/accounts.py`` holds such functions for users, tokens, audit and quotas.
        """

        def run() -> T:
            with self._tx() as conn:
                return fn(conn, *args)

        return await self._run(run)

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
        return await self._run(self._list_namespaces)

    def _list_namespaces(self) -> list[NamespaceRecord]:
        with self._tx() as conn:
            rows = conn.execute(sa.select(schema.namespaces).order_by(schema.namespaces.c.name))
            return [NamespaceRecord(r.name, r.uid, r.created_at, dict(r.labels)) for r in rows]

    async def get_namespace(self, name: str) -> NamespaceRecord:
        return await self._run(self._get_namespace, name)

    def _get_namespace(self, name: str) -> NamespaceRecord:
        with self._tx() as conn:
            row = conn.execute(
                sa.select(schema.namespaces).where(schema.namespaces.c.name == name)
            ).first()
        if row is None:
            raise NotFound(f"namespace {name!r} not found")
        return NamespaceRecord(row.name, row.uid, row.created_at, dict(row.labels))

    async def create_namespace(self, name: str) -> NamespaceRecord:
        return await self._run(self._create_namespace, name)

    def _create_namespace(self, name: str) -> NamespaceRecord:
        with self._tx() as conn:
            exists = conn.execute(
                sa.select(schema.namespaces.c.name).where(schema.namespaces.c.name == name)
            ).first()
            if exists:
                raise AlreadyExists(f"namespace {name!r} already exists")
            return self._insert_namespace(conn, name)

    @staticmethod
    def _insert_namespace(conn: Connection, name: str) -> NamespaceRecord:
        record = NamespaceRecord(name, str(uuid.uuid4()), now_rfc3339(), {})
        conn.execute(
            schema.namespaces.insert().values(
                name=record.name, uid=record.uid, created_at=record.created_at, labels={}
            )
        )
        return record

    async def delete_namespace(self, name: str) -> None:
        await self._run(self._delete_namespace, name)

    def _delete_namespace(self, name: str) -> None:
        if name == DEFAULT_NAMESPACE:
            raise InvalidState("the default namespace cannot be deleted")
        with self._tx() as conn:
            self._require_namespace(conn, name)
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(schema.objects)
                .where(schema.objects.c.namespace == name)
            ).scalar_one()
            if count:
                raise InvalidState(
                    f"namespace {name!r} still holds {count} object(s); delete them first"
                )
            conn.execute(schema.namespaces.delete().where(schema.namespaces.c.name == name))

    @staticmethod
    def _require_namespace(conn: Connection, name: str) -> None:
        row = conn.execute(
            sa.select(schema.namespaces.c.name).where(schema.namespaces.c.name == name)
        ).first()
        if row is None:
            raise NotFound(f"namespace {name!r} not found")

    # -- objects ----------------------------------------------------------------------------

    async def create(
        self,
        kind: str,
        namespace: str,
        body: dict[str, Any],
        *,
        is_template: bool,
        creator: str,
    ) -> StoredObject:
        obj = await self._run(self._create, kind, namespace, body, is_template, creator)
        self._notify(obj.key)
        return obj

    def _create(
        self, kind: str, namespace: str, body: dict[str, Any], is_template: bool, creator: str
    ) -> StoredObject:
        body = _strip_server_fields(body)
        name = body["metadata"]["name"]
        with self._tx() as conn:
            self._require_namespace(conn, namespace)
            if self._find_row(conn, ObjectKey(kind, namespace, name)) is not None:
                raise AlreadyExists(f"{kind} {namespace}/{name} already exists")
            obj = StoredObject(
                kind=kind,
                namespace=namespace,
                name=name,
                uid=str(uuid.uuid4()),
                resource_version=self._next_version(conn),
                generation=1,
                created_at=now_rfc3339(),
                is_template=is_template,
                creator=creator,
                body=body,
            )
            conn.execute(schema.objects.insert().values(**_row_values(obj)))
            return obj

    async def get(self, key: ObjectKey) -> StoredObject:
        return await self._run(self._get, key)

    def _get(self, key: ObjectKey) -> StoredObject:
        with self._tx() as conn:
            row = self._find_row(conn, key)
        if row is None:
            raise NotFound(f"{key.kind} {key.namespace}/{key.name} not found")
        return _from_row(row)

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        """Replace the user-owned body; ``generation`` moves when the spec changes."""
        obj = await self._run(self._replace, key, body, expected_version)
        self._notify(obj.key)
        return obj

    def _replace(self, key: ObjectKey, body: dict[str, Any], expected: int | None) -> StoredObject:
        with self._tx() as conn:
            current = self._get_for_update(conn, key, expected)
            body = _strip_server_fields(body)
            spec_changed = body.get("spec") != current.body.get("spec")
            current.body = body
            current.generation += 1 if spec_changed else 0
            current.resource_version = self._next_version(conn)
            conn.execute(
                schema.objects.update()
                .where(schema.objects.c.uid == current.uid)
                .values(**_row_values(current))
            )
            return current

    async def write_status(
        self, key: ObjectKey, status: dict[str, Any], *, uid: str
    ) -> StoredObject:
        """Write ``status`` of the object with that uid; NotFound if it was deleted meanwhile."""
        obj = await self._run(self._write_status, key, status, uid)
        return obj

    def _write_status(self, key: ObjectKey, status: dict[str, Any], uid: str) -> StoredObject:
        with self._tx() as conn:
            current = self._get_for_update(conn, key, None)
            if current.uid != uid:
                raise NotFound(f"{key} was replaced by a new object")
            if current.status == status:
                return current
            current.status = status
            current.resource_version = self._next_version(conn)
            conn.execute(
                schema.objects.update()
                .where(schema.objects.c.uid == uid)
                .values(**_row_values(current))
            )
            return current

    def _get_for_update(
        self, conn: Connection, key: ObjectKey, expected: int | None
    ) -> StoredObject:
        row = self._find_row(conn, key)
        if row is None:
            raise NotFound(f"{key.kind} {key.namespace}/{key.name} not found")
        current = _from_row(row)
        if expected is not None and expected != current.resource_version:
            raise StaleResourceVersion(
                f"the object has been modified (resourceVersion {expected} is stale, current is "
                f"{current.resource_version}); read it again and apply your change to that"
            )
        return current

    async def delete(self, key: ObjectKey, *, uid: str | None = None) -> StoredObject:
        obj = await self._run(self._delete, key, uid)
        self._notify(obj.key)
        return obj

    def _delete(self, key: ObjectKey, uid: str | None) -> StoredObject:
        with self._tx() as conn:
            current = self._get_for_update(conn, key, None)
            if uid is not None and current.uid != uid:
                raise NotFound(f"{key} was replaced by a new object")
            conn.execute(schema.objects.delete().where(schema.objects.c.uid == current.uid))
            conn.execute(schema.events.delete().where(schema.events.c.object_uid == current.uid))
            conn.execute(
                schema.job_logs.delete().where(schema.job_logs.c.object_uid == current.uid)
            )
            conn.execute(
                schema.ray_tokens.delete().where(schema.ray_tokens.c.object_uid == current.uid)
            )
            return current

    async def list_objects(self, query: ListQuery) -> ListPage:
        return await self._run(self._list_objects, query)

    def _list_objects(self, query: ListQuery) -> ListPage:
        offset = _decode_continue(query.continue_token) if query.continue_token else query.offset
        with self._tx() as conn:
            match, statement, total = self._search_match(conn, query)
            if query.limit:
                statement = statement.limit(query.limit).offset(offset)
            rows = conn.execute(statement).all()
        items = [obj for obj in map(_readable, rows) if obj is not None]
        more = bool(query.limit) and offset + len(items) < total
        token = _encode_continue(offset + len(items)) if more else None
        return ListPage(items, total, token, close_matches=match == CLOSE)

    @staticmethod
    def _search_match(
        conn: Connection, query: ListQuery
    ) -> tuple[SearchMatch, sa.Select[Any], int]:
        """How the search matches, the list statement for it, and how many it matches."""
        statement, count_statement = build_list_statement(query, CONTAINS)
        total = conn.execute(count_statement).scalar_one()
        if total == 0 and has_close_matches(query.search):
            # Close matches only where no name contains the text, so they never bury one.
            close, close_count = build_list_statement(query, CLOSE)
            close_total = conn.execute(close_count).scalar_one()
            if close_total:
                return CLOSE, close, close_total
        return CONTAINS, statement, total

    async def count_states(self, query: ListQuery) -> dict[str, int]:
        """What ``list_objects(query)`` would match, counted per state, in one query."""
        return await self._run(self._count_states, query)

    def _count_states(self, query: ListQuery) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(build_state_count_statement(query, CONTAINS)).all()
            if not rows and has_close_matches(query.search):
                rows = conn.execute(build_state_count_statement(query, CLOSE)).all()
        return {str(state) or "pending": int(count) for state, count in rows}

    async def instances(self, kind: str) -> list[StoredObject]:
        page = await self.list_objects(ListQuery(kind=kind, type="instance"))
        return page.items

    @staticmethod
    def _find_row(conn: Connection, key: ObjectKey) -> sa.Row[Any] | None:
        table = schema.objects
        return conn.execute(
            sa.select(table).where(
                table.c.kind == key.kind,
                table.c.namespace == key.namespace,
                table.c.name == key.name,
            )
        ).first()

    @staticmethod
    def _next_version(conn: Connection) -> int:
        table = schema.counters
        current = conn.execute(
            sa.select(table.c.value).where(table.c.name == "resourceVersion")
        ).scalar_one_or_none()
        value = (current or 0) + 1
        if current is None:
            conn.execute(table.insert().values(name="resourceVersion", value=value))
        else:
            conn.execute(
                table.update().where(table.c.name == "resourceVersion").values(value=value)
            )
        return value

    # -- mirroring (the kubernetes platform) ------------------------------------------------

    async def mirror(self, obj: StoredObject, *, refresh: bool = False) -> StoredObject | None:
        """Keep ``obj`` as another system reported it: its uid, resourceVersion and timestamps.

        A report older than the stored copy is ignored, and so is one of the same version
        unless ``refresh`` (what raydeck shows beside it changed, e.g. Kueue's admission); a
        template of the same name wins (None is returned) because templates exist only here.
        The namespace is added if needed.
        """
        result, changed = await self._run(self._mirror, obj, refresh)
        if changed:
            self._notify(obj.key)
        return result

    def _mirror(self, obj: StoredObject, refresh: bool) -> tuple[StoredObject | None, bool]:
        with self._tx() as conn:
            if not conn.execute(
                sa.select(schema.namespaces.c.name).where(schema.namespaces.c.name == obj.namespace)
            ).first():
                conn.execute(
                    schema.namespaces.insert().values(
                        name=obj.namespace,
                        uid=str(uuid.uuid4()),
                        created_at=now_rfc3339(),
                        labels={},
                    )
                )
            row = self._find_row(conn, obj.key)
            if row is not None:
                current = _from_row(row)
                if current.is_template:
                    return None, False
                newer = current.resource_version > obj.resource_version
                same = current.resource_version == obj.resource_version
                if current.uid == obj.uid and (newer or (same and not refresh)):
                    return current, False
                conn.execute(schema.objects.delete().where(schema.objects.c.uid == current.uid))
            conn.execute(schema.objects.delete().where(schema.objects.c.uid == obj.uid))
            conn.execute(schema.objects.insert().values(**_row_values(obj)))
            return obj, True

    async def mirror_namespaces(self, records: list[NamespaceRecord]) -> None:
        """Make the namespaces exactly ``records``, except ones that still hold templates."""
        await self._run(self._mirror_namespaces, records)

    def _mirror_namespaces(self, records: list[NamespaceRecord]) -> None:
        table = schema.namespaces
        wanted = {r.name: r for r in records}
        with self._tx() as conn:
            present = {r.name for r in conn.execute(sa.select(table.c.name))}
            for name in present - set(wanted):
                held = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(schema.objects)
                    .where(schema.objects.c.namespace == name)
                ).scalar_one()
                if not held:
                    conn.execute(table.delete().where(table.c.name == name))
            for record in records:
                values = dict(uid=record.uid, created_at=record.created_at, labels=record.labels)
                if record.name in present:
                    conn.execute(table.update().where(table.c.name == record.name).values(**values))
                else:
                    conn.execute(table.insert().values(name=record.name, **values))

    async def replace_events(self, obj_uid: str, events: list[EventRecord]) -> None:
        """Make the events of the object with ``obj_uid`` exactly ``events`` (as reported)."""
        await self._run(self._replace_events, obj_uid, events)

    def _replace_events(self, obj_uid: str, events: list[EventRecord]) -> None:
        table = schema.events
        with self._tx() as conn:
            conn.execute(table.delete().where(table.c.object_uid == obj_uid))
            for e in sorted(events, key=lambda e: (e.first_timestamp, e.last_timestamp)):
                conn.execute(
                    table.insert().values(
                        object_uid=obj_uid,
                        kind=e.kind,
                        namespace=e.namespace,
                        name=e.name,
                        type=e.type,
                        reason=e.reason,
                        message=e.message,
                        count=e.count,
                        first_timestamp=e.first_timestamp,
                        last_timestamp=e.last_timestamp,
                    )
                )

    # -- events -----------------------------------------------------------------------------

    async def record_event(
        self, obj: StoredObject, *, type_: str, reason: str, message: str
    ) -> None:
        """Record an event about ``obj``; a repeat of the latest one only raises its count."""
        await self._run(self._record_event, obj, type_, reason, message)

    def _record_event(self, obj: StoredObject, type_: str, reason: str, message: str) -> None:
        table, now = schema.events, now_rfc3339()
        with self._tx() as conn:
            last = conn.execute(
                sa.select(table)
                .where(table.c.object_uid == obj.uid)
                .order_by(table.c.id.desc())
                .limit(1)
            ).first()
            if last is not None and (last.type, last.reason, last.message) == (
                type_,
                reason,
                message,
            ):
                conn.execute(
                    table.update()
                    .where(table.c.id == last.id)
                    .values(count=last._mapping["count"] + 1, last_timestamp=now)
                )
                return
            conn.execute(
                table.insert().values(
                    object_uid=obj.uid,
                    kind=obj.kind,
                    namespace=obj.namespace,
                    name=obj.name,
                    type=type_,
                    reason=reason,
                    message=message,
                    count=1,
                    first_timestamp=now,
                    last_timestamp=now,
                )
            )

    async def list_events(self, obj: StoredObject) -> list[EventRecord]:
        return await self._run(self._list_events, obj.uid)

    def _list_events(self, uid: str) -> list[EventRecord]:
        table = schema.events
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(table).where(table.c.object_uid == uid).order_by(table.c.id)
            )
            return [
                EventRecord(
                    r.kind,
                    r.namespace,
                    r.name,
                    r.type,
                    r.reason,
                    r.message,
                    r._mapping["count"],
                    r.first_timestamp,
                    r.last_timestamp,
                )
                for r in rows
            ]

    # -- job logs -------------------------------------------------------------------------

    async def save_job_log(self, owner_uid: str, *, job_id: str, text: str) -> None:
        """Keep a job's driver log beyond its cluster; replaces the previous copy."""
        await self._run(self._save_job_log, owner_uid, job_id, text)

    def _save_job_log(self, owner_uid: str, job_id: str, text: str) -> None:
        table = schema.job_logs
        values = dict(object_uid=owner_uid, job_id=job_id, text=text, updated_at=now_rfc3339())
        with self._tx() as conn:
            if (
                conn.execute(
                    table.update().where(table.c.object_uid == owner_uid).values(**values)
                ).rowcount
                == 0
            ):
                conn.execute(table.insert().values(**values))

    async def job_log(self, owner_uid: str) -> str | None:
        return await self._run(self._job_log, owner_uid)

    def _job_log(self, owner_uid: str) -> str | None:
        table = schema.job_logs
        with self._tx() as conn:
            row = conn.execute(
                sa.select(table.c.text).where(table.c.object_uid == owner_uid)
            ).first()
        return None if row is None else str(row.text)

    # -- Ray tokens -----------------------------------------------------------------------

    async def ray_token(self, object_uid: str, *, new: Callable[[], str]) -> str:
        """The object's Ray token; ``new()`` makes it the first time it is asked for."""
        return await self._run(self._ray_token, object_uid, new)

    def _ray_token(self, object_uid: str, new: Callable[[], str]) -> str:
        table = schema.ray_tokens
        with self._tx() as conn:
            found = conn.execute(
                sa.select(table.c.token).where(table.c.object_uid == object_uid)
            ).scalar()
            if found is not None:
                return str(found)
            token = new()
            conn.execute(
                table.insert().values(object_uid=object_uid, token=token, created_at=now_rfc3339())
            )
            return token

    # -- pods -------------------------------------------------------------------------------

    async def save_pod(self, pod: PodRecord) -> None:
        await self._run(self._save_pod, pod)

    def _save_pod(self, pod: PodRecord) -> None:
        values = dict(
            name=pod.name,
            owner_uid=pod.owner_uid,
            namespace=pod.namespace,
            cluster=pod.cluster,
            group_name=pod.group_name,
            node_type=pod.node_type,
            data=pod.data,
        )
        with self._tx() as conn:
            updated = conn.execute(
                schema.pods.update().where(schema.pods.c.name == pod.name).values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(schema.pods.insert().values(**values))

    async def list_pods(self, owner_uid: str | None = None) -> list[PodRecord]:
        return await self._run(self._list_pods, owner_uid)

    def _list_pods(self, owner_uid: str | None) -> list[PodRecord]:
        table = schema.pods
        statement = sa.select(table).order_by(table.c.name)
        if owner_uid is not None:
            statement = statement.where(table.c.owner_uid == owner_uid)
        with self._tx() as conn:
            return [
                PodRecord(
                    r.name,
                    r.owner_uid,
                    r.namespace,
                    r.cluster,
                    r.group_name,
                    r.node_type,
                    dict(r.data),
                )
                for r in conn.execute(statement)
            ]

    async def delete_pod(self, name: str) -> None:
        await self._run(self._delete_pod, name)

    def _delete_pod(self, name: str) -> None:
        with self._tx() as conn:
            conn.execute(schema.pods.delete().where(schema.pods.c.name == name))


def _private_files(path: Path) -> None:
    """Only raydeck's user may read its data: the directory 0700, the database 0600.

    SQLite creates the -wal and -shm files with the database file's mode, so creating that
    one 0600 before SQLite opens it covers them; files of an earlier version are narrowed.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A shared directory such as /tmp (sticky) is never narrowed; the files in it still are.
    if not path.parent.stat().st_mode & stat.S_ISVTX:
        path.parent.chmod(0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).chmod(0o600)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _strip_server_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The user-owned part of an object: no status, no server-set metadata."""
    clean = {k: v for k, v in body.items() if k != "status"}
    meta = dict(clean.get("metadata") or {})
    for field_name in SERVER_META_FIELDS:
        meta.pop(field_name, None)
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != TYPE_ANNOTATION}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    clean["metadata"] = meta
    return clean


def _row_values(obj: StoredObject) -> dict[str, Any]:
    summary = summarize(obj.kind, obj.body, obj.status)
    return dict(
        kind=obj.kind,
        namespace=obj.namespace,
        name=obj.name,
        uid=obj.uid,
        resource_version=obj.resource_version,
        generation=obj.generation,
        created_at=obj.created_at,
        is_template=obj.is_template,
        creator=obj.creator,
        state="template" if obj.is_template else summary.state,
        sub_state="" if obj.is_template else summary.sub_state,
        ray_version=summary.ray_version,
        # Sort columns only: a sum past int64 (huge replicas times huge requests) sorts last
        # instead of failing the write.
        cpu_millis=min(summary.totals.cpu_millis, INT64_MAX),
        memory_bytes=min(summary.totals.memory_bytes, INT64_MAX),
        gpu=min(summary.totals.gpu, INT64_MAX),
        body=json.dumps(obj.body),
        status=None if obj.status is None else json.dumps(obj.status),
    )


def _readable(row: sa.Row[Any]) -> StoredObject | None:
    """A listed row, or None (and a warning) if it cannot be read: one bad row must not
    fail every list that meets it. Reading it by name still reports the error."""
    try:
        return _from_row(row)
    except (ValueError, TypeError) as e:
        log.warning(
            "%s %s/%s cannot be read from the store and is left out of lists: %s",
            row.kind,
            row.namespace,
            row.name,
            e,
        )
        return None


def _from_row(row: sa.Row[Any]) -> StoredObject:
    return StoredObject(
        kind=row.kind,
        namespace=row.namespace,
        name=row.name,
        uid=row.uid,
        resource_version=row.resource_version,
        generation=row.generation,
        created_at=row.created_at,
        is_template=row.is_template,
        creator=row.creator,
        body=json.loads(row.body),
        status=None if row.status is None else json.loads(row.status),
    )


def _encode_continue(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_continue(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError) as e:
        raise BadRequest("continue: the token is not one this server issued") from e
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("continue: the token is not one this server issued")
    return offset
