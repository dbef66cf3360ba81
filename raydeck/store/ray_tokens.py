"""The Ray token of each RayCluster incarnation (by uid) on the local platform.

Random, never derived from anything, made the first time it is asked for and
handed to that cluster's nodes only; it goes with its object (``objects.delete``).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.resources.meta import now_rfc3339
from raydeck.store import schema


def get(conn: Connection, object_uid: str, new: Callable[[], str]) -> str:
    """The object's Ray token; ``new()`` makes it the first time it is asked for."""
    table = schema.ray_tokens
    found = conn.execute(sa.select(table.c.token).where(table.c.object_uid == object_uid)).scalar()
    if found is not None:
        return str(found)
    token = new()
    conn.execute(
        table.insert().values(object_uid=object_uid, token=token, created_at=now_rfc3339())
    )
    return token
