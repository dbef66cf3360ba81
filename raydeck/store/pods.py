"""Pod records of the local platform's Ray nodes in SQLite: save, list, delete.

Only the local platform writes them (a pod record per node process, so a
restarted raydeck re-adopts its processes); ``PodRecord.data`` is its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.store import schema
from raydeck.store.records import PodRecord

_T = schema.pods


def save(conn: Connection, pod: PodRecord) -> None:
    values = dict(
        name=pod.name,
        owner_uid=pod.owner_uid,
        namespace=pod.namespace,
        cluster=pod.cluster,
        group_name=pod.group_name,
        node_type=pod.node_type,
        data=pod.data,
    )
    if conn.execute(_T.update().where(_T.c.name == pod.name).values(**values)).rowcount == 0:
        conn.execute(_T.insert().values(**values))


def list_of(conn: Connection, owner_uid: str | None) -> list[PodRecord]:
    """Every pod, or the pods of the object with ``owner_uid``, by name."""
    statement = sa.select(_T).order_by(_T.c.name)
    if owner_uid is not None:
        statement = statement.where(_T.c.owner_uid == owner_uid)
    return [
        PodRecord(
            r.name, r.owner_uid, r.namespace, r.cluster, r.group_name, r.node_type, dict(r.data)
        )
        for r in conn.execute(statement)
    ]


def delete(conn: Connection, name: str) -> None:
    conn.execute(_T.delete().where(_T.c.name == name))
