"""SQL for list queries: name search, filters, label selectors, sorting.

``lists.py`` executes what ``build_list_statement`` returns. Filtering runs in
SQLite on indexed columns and ``json_extract`` over labels, so a page of 50 out
of 10,000 objects never loads the other 9,950. A search matches names that contain
the text; the store asks for close matches (:data:`CLOSE`) only when none does.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import sqlalchemy as sa

from raydeck.errors import FieldError, InvalidInput
from raydeck.store import schema
from raydeck.store.records import SORT_KEYS, ListQuery

_T = schema.objects
_SORT_COLUMNS: dict[str, sa.ColumnElement[Any]] = {
    "name": _T.c.name,
    "created": _T.c.created_at,
    "status": _T.c.state,
    "rayVersion": _T.c.ray_version,
    "creator": _T.c.creator,
    "cpu": _T.c.cpu_millis,
    "memory": _T.c.memory_bytes,
    "gpu": _T.c.gpu,
}
#: How a search matches a name: it contains the text, or holds its characters in order.
SearchMatch = Literal["contains", "close"]
CONTAINS: SearchMatch = "contains"
CLOSE: SearchMatch = "close"
_SELECTOR_TERM = re.compile(
    r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*(?:(==|!=|=)\s*([A-Za-z0-9._-]*))?\s*$"
)


def build_list_statement(
    query: ListQuery, match: SearchMatch = CONTAINS
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    conditions = _conditions(query, match)
    count = sa.select(sa.func.count()).select_from(_T).where(*conditions)
    statement = sa.select(_T).where(*conditions).order_by(*_order(query.sort))
    return statement, count


def build_state_count_statement(query: ListQuery, match: SearchMatch = CONTAINS) -> sa.Select[Any]:
    """How many objects the query matches, per state (``""`` stands for pending)."""
    conditions = _conditions(query, match)
    return sa.select(_T.c.state, sa.func.count()).where(*conditions).group_by(_T.c.state)


def has_close_matches(search: str) -> bool:
    """Whether close matches could find more than containment (a single character cannot)."""
    return len(search.strip()) > 1


def _conditions(query: ListQuery, match: SearchMatch) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [_T.c.kind == query.kind]
    if query.namespace is not None:
        conditions.append(_T.c.namespace == query.namespace)
    if query.visible_namespaces is not None:
        conditions.append(_T.c.namespace.in_(query.visible_namespaces))
    if query.search:
        pattern = close_pattern if match == CLOSE else contains_pattern
        # ilike: a typed "Perf" finds "perf-1" on every database, not only SQLite.
        conditions.append(_T.c.name.ilike(pattern(query.search), escape="\\"))
    if query.type is not None:
        conditions.append(_T.c.is_template == (query.type == "template"))
    if query.status:
        wanted = [_state_value(s) for s in query.status]
        conditions.append(sa.or_(_T.c.state.in_(wanted), _T.c.sub_state.in_(wanted)))
    if query.ray_version:
        conditions.append(_T.c.ray_version.in_(query.ray_version))
    if query.creator:
        conditions.append(_T.c.creator.in_(query.creator))
    conditions += parse_selector(query.selector)
    return conditions


def _state_value(label: str) -> str:
    return "pending" if label.lower() in ("", "pending") else label.lower()


def contains_pattern(search: str) -> str:
    """A LIKE pattern matching names that contain the search."""
    return "%" + "".join(_escaped(search)) + "%"


def close_pattern(search: str) -> str:
    """A LIKE pattern matching names that hold the search's characters in order (``rcs``
    finds ``raycluster-sample``): the fallback for a search no name contains."""
    return "%" + "%".join(_escaped(search)) + "%"


def _escaped(search: str) -> list[str]:
    return [("\\" + c) if c in "%_\\" else c for c in search.strip()]


def _order(sort: str) -> list[sa.ColumnElement[Any]]:
    descending = sort.startswith("-")
    key = sort.lstrip("-+")
    column = _SORT_COLUMNS.get(key)
    if column is None:
        raise InvalidInput(
            "the list query is invalid",
            [FieldError("sort", f"unknown sort key {key!r}; use one of {', '.join(SORT_KEYS)}")],
        )
    primary = column.desc() if descending else column.asc()
    return [primary, _T.c.name.asc(), _T.c.namespace.asc()]


def parse_selector(selector: str) -> list[sa.ColumnElement[bool]]:
    """Kubernetes equality-based label selectors: ``a=b,c!=d,e,!f``."""
    conditions: list[sa.ColumnElement[bool]] = []
    for term in filter(None, (t.strip() for t in selector.split(","))):
        match = _SELECTOR_TERM.match(term)
        if not match or (match.group(1) and match.group(3)):
            raise InvalidInput(
                "the list query is invalid",
                [
                    FieldError(
                        "selector",
                        f"cannot parse {term!r}; use key=value, key!=value, "
                        "key or !key, separated by commas",
                    )
                ],
            )
        negate, key, operator, value = match.groups()
        label = sa.func.json_extract(_T.c.body, f'$.metadata.labels."{key}"')
        if operator is None:
            conditions.append(label.is_(None) if negate else label.is_not(None))
        elif operator == "!=":
            conditions.append(sa.or_(label.is_(None), label != value))
        else:
            conditions.append(label == value)
    return conditions
