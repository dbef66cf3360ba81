"""Running list queries: one page of objects, counts per state, continue tokens, close matches.

``Store.list_objects`` and ``Store.count_states`` run these over one connection;
the SQL itself is built in ``query.py``. A search falls back to close matches
only where no name contains the text, so close matches never bury an exact one.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.errors import BadRequest
from raydeck.store.objects import readable
from raydeck.store.query import (
    CLOSE,
    CONTAINS,
    SearchMatch,
    build_list_statement,
    build_state_count_statement,
    has_close_matches,
)
from raydeck.store.records import ListPage, ListQuery


def list_objects(conn: Connection, query: ListQuery) -> ListPage:
    offset = decode_continue(query.continue_token) if query.continue_token else query.offset
    match, statement, total = _search_match(conn, query)
    if query.limit:
        statement = statement.limit(query.limit).offset(offset)
    items = [obj for obj in map(readable, conn.execute(statement).all()) if obj is not None]
    more = bool(query.limit) and offset + len(items) < total
    token = encode_continue(offset + len(items)) if more else None
    return ListPage(items, total, token, close_matches=match == CLOSE)


def _search_match(conn: Connection, query: ListQuery) -> tuple[SearchMatch, sa.Select[Any], int]:
    """How the search matches, the list statement for it, and how many it matches."""
    statement, count_statement = build_list_statement(query, CONTAINS)
    total = conn.execute(count_statement).scalar_one()
    if total == 0 and has_close_matches(query.search):
        close, close_count = build_list_statement(query, CLOSE)
        close_total = conn.execute(close_count).scalar_one()
        if close_total:
            return CLOSE, close, close_total
    return CONTAINS, statement, total


def count_states(conn: Connection, query: ListQuery) -> dict[str, int]:
    """What ``list_objects(query)`` would match, counted per state, in one query."""
    rows = conn.execute(build_state_count_statement(query, CONTAINS)).all()
    if not rows and has_close_matches(query.search):
        rows = conn.execute(build_state_count_statement(query, CLOSE)).all()
    return {str(state) or "pending": int(count) for state, count in rows}


def encode_continue(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_continue(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError) as e:
        raise BadRequest("continue: the token is not one this server issued") from e
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("continue: the token is not one this server issued")
    return offset
