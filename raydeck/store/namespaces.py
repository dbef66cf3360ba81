"""Namespaces in SQLite: plain functions over one connection, as ``accounts.py`` is written.

``Store`` runs each in one transaction on its thread. ``default`` always exists
and cannot be deleted; a namespace that still holds objects cannot be either.
Who may create or delete one is ``managers/namespaces.py``'s business, not this.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.errors import AlreadyExists, InvalidState, NotFound
from raydeck.resources.meta import now_rfc3339
from raydeck.store import schema
from raydeck.store.records import NamespaceRecord

DEFAULT_NAMESPACE = "default"
_T = schema.namespaces


def _record(row: sa.Row[Any]) -> NamespaceRecord:
    return NamespaceRecord(row.name, row.uid, row.created_at, dict(row.labels))


def list_all(conn: Connection) -> list[NamespaceRecord]:
    return [_record(r) for r in conn.execute(sa.select(_T).order_by(_T.c.name))]


def exists(conn: Connection, name: str) -> bool:
    return conn.execute(sa.select(_T.c.name).where(_T.c.name == name)).first() is not None


def require(conn: Connection, name: str) -> None:
    if not exists(conn, name):
        raise NotFound(f"namespace {name!r} not found")


def get(conn: Connection, name: str) -> NamespaceRecord:
    row = conn.execute(sa.select(_T).where(_T.c.name == name)).first()
    if row is None:
        raise NotFound(f"namespace {name!r} not found")
    return _record(row)


def create(conn: Connection, name: str) -> NamespaceRecord:
    if exists(conn, name):
        raise AlreadyExists(f"namespace {name!r} already exists")
    return insert(conn, name)


def insert(conn: Connection, name: str) -> NamespaceRecord:
    record = NamespaceRecord(name, str(uuid.uuid4()), now_rfc3339(), {})
    conn.execute(
        _T.insert().values(
            name=record.name, uid=record.uid, created_at=record.created_at, labels={}
        )
    )
    return record


def ensure(conn: Connection, name: str) -> None:
    """Add the namespace if it is missing."""
    if not exists(conn, name):
        insert(conn, name)


def object_count(conn: Connection, name: str) -> int:
    statement = sa.select(sa.func.count()).select_from(schema.objects)
    return int(conn.execute(statement.where(schema.objects.c.namespace == name)).scalar_one())


def delete(conn: Connection, name: str) -> None:
    if name == DEFAULT_NAMESPACE:
        raise InvalidState("the default namespace cannot be deleted")
    require(conn, name)
    count = object_count(conn, name)
    if count:
        raise InvalidState(f"namespace {name!r} still holds {count} object(s); delete them first")
    conn.execute(_T.delete().where(_T.c.name == name))
