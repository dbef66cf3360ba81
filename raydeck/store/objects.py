"""Objects in SQLite: create, read, replace, write status, delete; functions over one connection.

``Store`` runs each in one transaction on its thread and tells subscribers
afterwards. They enforce names, uids, resourceVersion and generation; they do
not validate specs (``resources.validation`` does) or run anything. Bodies stay
raw JSON here: the store keeps what the user wrote, unknown fields and all.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.errors import AlreadyExists, NotFound, StaleResourceVersion
from raydeck.resources.meta import now_rfc3339
from raydeck.resources.summary import summarize
from raydeck.resources.wellformed import INT64_MAX
from raydeck.store import namespaces, schema
from raydeck.store.records import SERVER_META_FIELDS, TYPE_ANNOTATION, ObjectKey, StoredObject

log = logging.getLogger(__name__)
_T = schema.objects
#: Rows that belong to one object (by its uid) and go when it goes.
_OWNED = (
    (schema.events, schema.events.c.object_uid),
    (schema.job_logs, schema.job_logs.c.object_uid),
    (schema.ray_tokens, schema.ray_tokens.c.object_uid),
)


def create(
    conn: Connection,
    kind: str,
    namespace: str,
    body: dict[str, Any],  # raw YAML in: kept as written
    *,
    is_template: bool,
    creator: str,
) -> StoredObject:
    body = strip_server_fields(body)
    key = ObjectKey(kind, namespace, body["metadata"]["name"])
    namespaces.require(conn, namespace)
    if find_row(conn, key) is not None:
        raise AlreadyExists(f"{kind} {namespace}/{key.name} already exists")
    obj = StoredObject(
        kind=kind,
        namespace=namespace,
        name=key.name,
        uid=str(uuid.uuid4()),
        resource_version=next_version(conn),
        generation=1,
        created_at=now_rfc3339(),
        is_template=is_template,
        creator=creator,
        body=body,
    )
    conn.execute(_T.insert().values(**columns(obj)))
    return obj


def get(conn: Connection, key: ObjectKey) -> StoredObject:
    row = find_row(conn, key)
    if row is None:
        raise NotFound(f"{key.kind} {key.namespace}/{key.name} not found")
    return from_row(row)


def get_expecting(conn: Connection, key: ObjectKey, expected: int | None) -> StoredObject:
    """The current object; StaleResourceVersion if ``expected`` is given and not its version."""
    current = get(conn, key)
    if expected is not None and expected != current.resource_version:
        raise StaleResourceVersion(
            f"the object has been modified (resourceVersion {expected} is stale, current is "
            f"{current.resource_version}); read it again and apply your change to that"
        )
    return current


def replace(
    conn: Connection,
    key: ObjectKey,
    body: dict[str, Any],  # raw YAML in: kept as written
    expected: int | None,
) -> StoredObject:
    """Replace the user-owned body; ``generation`` moves when the spec changes."""
    current = get_expecting(conn, key, expected)
    body = strip_server_fields(body)
    spec_changed = body.get("spec") != current.body.get("spec")
    written = dataclasses.replace(
        current,
        body=body,
        generation=current.generation + (1 if spec_changed else 0),
        resource_version=next_version(conn),
    )
    conn.execute(_T.update().where(_T.c.uid == written.uid).values(**columns(written)))
    return written


def write_status(
    conn: Connection,
    key: ObjectKey,
    status: dict[str, Any],  # Kubernetes JSON, as the platform reports it
    uid: str,
) -> StoredObject:
    """Write ``status`` of the object with that uid; NotFound if it was deleted meanwhile."""
    current = get(conn, key)
    if current.uid != uid:
        raise NotFound(f"{key} was replaced by a new object")
    if current.status == status:
        return current
    written = dataclasses.replace(current, status=status, resource_version=next_version(conn))
    conn.execute(_T.update().where(_T.c.uid == uid).values(**columns(written)))
    return written


def delete(conn: Connection, key: ObjectKey, uid: str | None) -> StoredObject:
    """Delete the object (only the one with ``uid`` if given) and the rows it owns."""
    current = get(conn, key)
    if uid is not None and current.uid != uid:
        raise NotFound(f"{key} was replaced by a new object")
    conn.execute(_T.delete().where(_T.c.uid == current.uid))
    for table, owner in _OWNED:
        conn.execute(table.delete().where(owner == current.uid))
    return current


def find_row(conn: Connection, key: ObjectKey) -> sa.Row[Any] | None:
    return conn.execute(
        sa.select(_T).where(
            _T.c.kind == key.kind, _T.c.namespace == key.namespace, _T.c.name == key.name
        )
    ).first()


def next_version(conn: Connection) -> int:
    table = schema.counters
    named = table.c.name == "resourceVersion"
    current = conn.execute(sa.select(table.c.value).where(named)).scalar_one_or_none()
    value = (current or 0) + 1
    if current is None:
        conn.execute(table.insert().values(name="resourceVersion", value=value))
    else:
        conn.execute(table.update().where(named).values(value=value))
    return value


def strip_server_fields(body: dict[str, Any]) -> dict[str, Any]:  # raw in, raw out
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


def columns(obj: StoredObject) -> dict[str, object]:
    """The row of ``obj``: its identity, the columns lists sort and filter on, the JSON."""
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


def from_row(row: sa.Row[Any]) -> StoredObject:
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


def readable(row: sa.Row[Any]) -> StoredObject | None:
    """A listed row, or None (and a warning) if it cannot be read: one bad row must not
    fail every list that meets it. Reading it by name still reports the error."""
    try:
        return from_row(row)
    except (ValueError, TypeError) as e:
        log.warning(
            "%s %s/%s cannot be read from the store and is left out of lists: %s",
            row.kind,
            row.namespace,
            row.name,
            e,
        )
        return None
