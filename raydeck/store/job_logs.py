"""A RayJob's driver log, kept beyond its cluster: one copy per object uid.

The local platform saves it as the job runs; it goes with its object
(``objects.delete``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.resources.meta import now_rfc3339
from raydeck.store import schema


def save(conn: Connection, owner_uid: str, job_id: str, text: str) -> None:
    """Keep a job's driver log; replaces the previous copy."""
    table = schema.job_logs
    values = dict(object_uid=owner_uid, job_id=job_id, text=text, updated_at=now_rfc3339())
    updated = conn.execute(table.update().where(table.c.object_uid == owner_uid).values(**values))
    if updated.rowcount == 0:
        conn.execute(table.insert().values(**values))


def get(conn: Connection, owner_uid: str) -> str | None:
    table = schema.job_logs
    row = conn.execute(sa.select(table.c.text).where(table.c.object_uid == owner_uid)).first()
    return None if row is None else str(row.text)
