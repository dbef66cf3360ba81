"""Keeping another system's copy: objects and namespaces as the Kubernetes API server reports them.

The kubernetes platform calls these through ``Store.mirror`` and
``Store.mirror_namespaces``; the copy keeps the reporter's uids, versions and
timestamps. Templates exist only in raydeck, so they win over a reported object.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.store import namespaces, objects, schema
from raydeck.store.records import NamespaceRecord, StoredObject


def mirror(conn: Connection, obj: StoredObject, refresh: bool) -> tuple[StoredObject | None, bool]:
    """The copy kept of ``obj`` (None if a template holds the name) and whether it changed.

    A report older than the stored copy is ignored, and so is one of the same version unless
    ``refresh``; the namespace is added if needed.
    """
    namespaces.ensure(conn, obj.namespace)
    table = schema.objects
    row = objects.find_row(conn, obj.key)
    if row is not None:
        current = objects.from_row(row)
        if current.is_template:
            return None, False
        newer = current.resource_version > obj.resource_version
        same = current.resource_version == obj.resource_version
        if current.uid == obj.uid and (newer or (same and not refresh)):
            return current, False
        conn.execute(table.delete().where(table.c.uid == current.uid))
    conn.execute(table.delete().where(table.c.uid == obj.uid))
    conn.execute(table.insert().values(**objects.columns(obj)))
    return obj, True


def mirror_namespaces(conn: Connection, records: list[NamespaceRecord]) -> None:
    """Make the namespaces exactly ``records``, except ones that still hold objects."""
    table = schema.namespaces
    wanted = {r.name: r for r in records}
    present = {r.name for r in conn.execute(sa.select(table.c.name))}
    for name in present - set(wanted):
        if not namespaces.object_count(conn, name):
            conn.execute(table.delete().where(table.c.name == name))
    for record in records:
        values = dict(uid=record.uid, created_at=record.created_at, labels=record.labels)
        if record.name in present:
            conn.execute(table.update().where(table.c.name == record.name).values(**values))
        else:
            conn.execute(table.insert().values(name=record.name, **values))
