"""Events about objects in SQLite, as Kubernetes keeps them: a repeat only raises the count.

The local platform records its own (``Store.record_event``); the kubernetes
platform replaces an object's events with the API server's (``replace_events``).
They go when their object goes (``objects.delete``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.resources.meta import now_rfc3339
from raydeck.store import schema
from raydeck.store.records import EventRecord, StoredObject

_T = schema.events


def record(conn: Connection, obj: StoredObject, type_: str, reason: str, message: str) -> None:
    """Record an event about ``obj``; a repeat of the latest one only raises its count."""
    now = now_rfc3339()
    last = conn.execute(
        sa.select(_T).where(_T.c.object_uid == obj.uid).order_by(_T.c.id.desc()).limit(1)
    ).first()
    if last is not None and (last.type, last.reason, last.message) == (type_, reason, message):
        conn.execute(
            _T.update()
            .where(_T.c.id == last.id)
            .values(count=last._mapping["count"] + 1, last_timestamp=now)
        )
        return
    event = EventRecord(obj.kind, obj.namespace, obj.name, type_, reason, message, 1, now, now)
    _insert(conn, obj.uid, event)


def list_of(conn: Connection, uid: str) -> list[EventRecord]:
    rows = conn.execute(sa.select(_T).where(_T.c.object_uid == uid).order_by(_T.c.id))
    return [_record(r) for r in rows]


def replace_all(conn: Connection, uid: str, events: list[EventRecord]) -> None:
    """Make the events of the object with ``uid`` exactly ``events`` (as reported)."""
    conn.execute(_T.delete().where(_T.c.object_uid == uid))
    for event in sorted(events, key=lambda e: (e.first_timestamp, e.last_timestamp)):
        _insert(conn, uid, event)


def _insert(conn: Connection, uid: str, e: EventRecord) -> None:
    conn.execute(
        _T.insert().values(
            object_uid=uid,
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


def _record(r: sa.Row[Any]) -> EventRecord:
    return EventRecord(
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
