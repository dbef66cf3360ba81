"""Users, tokens, audit rows and namespace quotas in SQLite: plain functions over one connection.

Managers run them through ``Store.transact`` so each call is one transaction on
the store's thread. They enforce uniqueness and existence; who may call them
is decided in the managers (``auth.py``, ``users.py``, ``quotas.py``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from raydeck.errors import AlreadyExists, NotFound
from raydeck.resources.meta import now_rfc3339
from raydeck.store import schema


@dataclass(frozen=True)
class UserRecord:
    username: str
    password_hash: str
    role: str
    namespaces: tuple[str, ...]
    created_at: str


@dataclass(frozen=True)
class TokenRecord:
    id: str
    username: str
    kind: str
    description: str
    created_at: str
    expires_at: float | None
    last_used_at: str | None
    csrf_hash: str | None = None


class AuditDetails(TypedDict, total=False):
    """``audit.details``, a JSON column whose keys depend on the action (each one optional)."""

    #: Object writes: the version written, and for creates and deletes template or instance.
    resourceVersion: int
    type: str
    #: Logins: where from and how (``api`` or ``session``), and the token issued.
    client: str
    via: str
    token: str
    #: Tokens: the description of a new one; the owner of a revoked one.
    description: str
    user: str
    #: Users: role and namespaces given; which fields changed and how many tokens a new
    #: password revoked.
    role: str
    namespaces: list[str]
    changed: list[str]
    revokedTokens: int
    #: Quotas: the limits set, as ``GET …/quota`` shows them (``None``: unlimited).
    cpu: str | None
    memory: str | None
    gpu: int | None
    clusters: int | None
    nodes: int | None
    nodesPerCluster: int | None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: str
    username: str
    action: str
    kind: str
    namespace: str
    name: str
    outcome: str
    details: AuditDetails = field(default_factory=lambda: AuditDetails())


@dataclass(frozen=True)
class QuotaRecord:
    """Limits of one namespace; ``None`` means unlimited."""

    namespace: str
    cpu_millis: int | None = None
    memory_bytes: int | None = None
    gpu: int | None = None
    clusters: int | None = None
    #: Node processes running in the namespace at once, and in any one of its clusters.
    nodes: int | None = None
    nodes_per_cluster: int | None = None


# -- users ------------------------------------------------------------------------------------


def _user(row: sa.Row[Any]) -> UserRecord:
    return UserRecord(
        row.username, row.password_hash, row.role, tuple(row.namespaces), row.created_at
    )


def count_users(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(schema.users)).scalar_one())


def list_users(conn: Connection) -> list[UserRecord]:
    rows = conn.execute(sa.select(schema.users).order_by(schema.users.c.username))
    return [_user(r) for r in rows]


def find_user(conn: Connection, username: str) -> UserRecord | None:
    row = conn.execute(sa.select(schema.users).where(schema.users.c.username == username)).first()
    return None if row is None else _user(row)


def get_user(conn: Connection, username: str) -> UserRecord:
    user = find_user(conn, username)
    if user is None:
        raise NotFound(f"user {username!r} not found")
    return user


def insert_user(conn: Connection, user: UserRecord) -> UserRecord:
    if find_user(conn, user.username) is not None:
        raise AlreadyExists(f"user {user.username!r} already exists")
    conn.execute(
        schema.users.insert().values(
            username=user.username,
            password_hash=user.password_hash,
            role=user.role,
            namespaces=list(user.namespaces),
            created_at=user.created_at,
        )
    )
    return user


def update_user(conn: Connection, user: UserRecord) -> UserRecord:
    get_user(conn, user.username)
    conn.execute(
        schema.users.update()
        .where(schema.users.c.username == user.username)
        .values(password_hash=user.password_hash, role=user.role, namespaces=list(user.namespaces))
    )
    return user


def delete_user(conn: Connection, username: str) -> None:
    get_user(conn, username)
    conn.execute(schema.tokens.delete().where(schema.tokens.c.username == username))
    conn.execute(schema.users.delete().where(schema.users.c.username == username))


# -- tokens and sessions ----------------------------------------------------------------------


def _token(row: sa.Row[Any]) -> TokenRecord:
    return TokenRecord(
        row.id,
        row.username,
        row.kind,
        row.description,
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.csrf_hash,
    )


def insert_token(conn: Connection, token: TokenRecord, secret_hash: str) -> TokenRecord:
    conn.execute(
        schema.tokens.insert().values(
            id=token.id,
            username=token.username,
            secret_hash=secret_hash,
            kind=token.kind,
            description=token.description,
            csrf_hash=token.csrf_hash,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
        )
    )
    return token


def use_token(
    conn: Connection, secret_hash: str, now: float
) -> tuple[TokenRecord, UserRecord] | None:
    """The token with that hash and its user, if it exists and has not expired; marks it used."""
    table = schema.tokens
    row = conn.execute(sa.select(table).where(table.c.secret_hash == secret_hash)).first()
    if row is None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        conn.execute(table.delete().where(table.c.id == row.id))
        return None
    user = find_user(conn, row.username)
    if user is None:
        return None
    used = now_rfc3339()
    # To the minute: a write per request would serialise every read behind SQLite's lock.
    if (row.last_used_at or "")[:16] != used[:16]:
        conn.execute(table.update().where(table.c.id == row.id).values(last_used_at=used))
    return _token(row), user


def list_tokens(conn: Connection, username: str | None) -> list[TokenRecord]:
    table = schema.tokens
    statement = sa.select(table).order_by(table.c.created_at, table.c.id)
    if username is not None:
        statement = statement.where(table.c.username == username)
    return [_token(r) for r in conn.execute(statement)]


def find_token(conn: Connection, token_id: str) -> TokenRecord | None:
    row = conn.execute(sa.select(schema.tokens).where(schema.tokens.c.id == token_id)).first()
    return None if row is None else _token(row)


def delete_token(conn: Connection, token_id: str) -> None:
    conn.execute(schema.tokens.delete().where(schema.tokens.c.id == token_id))


def delete_tokens_except(conn: Connection, username: str, keep: str) -> int:
    """Revoke every token and session of ``username`` but the one with id ``keep``."""
    table = schema.tokens
    result = conn.execute(table.delete().where(table.c.username == username, table.c.id != keep))
    return int(result.rowcount)


def delete_tokens_described(conn: Connection, username: str, description: str) -> None:
    table = schema.tokens
    conn.execute(
        table.delete().where(table.c.username == username, table.c.description == description)
    )


# -- audit ------------------------------------------------------------------------------------


def insert_audit(conn: Connection, record: AuditRecord) -> None:
    conn.execute(
        schema.audit.insert().values(
            at=record.at,
            username=record.username,
            action=record.action,
            kind=record.kind,
            namespace=record.namespace,
            name=record.name,
            outcome=record.outcome,
            details=record.details,
        )
    )


def list_audit(
    conn: Connection, *, username: str | None, action: str | None, limit: int
) -> list[AuditRecord]:
    """The newest ``limit`` rows, newest first, optionally of one user or one action."""
    table = schema.audit
    statement = sa.select(table).order_by(table.c.id.desc()).limit(limit)
    if username:
        statement = statement.where(table.c.username == username)
    if action:
        statement = statement.where(table.c.action == action)
    return [
        AuditRecord(
            r.id, r.at, r.username, r.action, r.kind, r.namespace, r.name, r.outcome, r.details
        )
        for r in conn.execute(statement)
    ]


# -- quotas -----------------------------------------------------------------------------------


def _quota(row: sa.Row[Any]) -> QuotaRecord:
    return QuotaRecord(
        row.namespace,
        row.cpu_millis,
        row.memory_bytes,
        row.gpu,
        row.clusters,
        row.nodes,
        row.nodes_per_cluster,
    )


def get_quota(conn: Connection, namespace: str) -> QuotaRecord:
    row = conn.execute(
        sa.select(schema.quotas).where(schema.quotas.c.namespace == namespace)
    ).first()
    if row is None:
        return QuotaRecord(namespace)
    return _quota(row)


def put_quota(conn: Connection, quota: QuotaRecord) -> QuotaRecord:
    if (
        conn.execute(
            sa.select(schema.namespaces.c.name).where(schema.namespaces.c.name == quota.namespace)
        ).first()
        is None
    ):
        raise NotFound(f"namespace {quota.namespace!r} not found")
    table = schema.quotas
    conn.execute(table.delete().where(table.c.namespace == quota.namespace))
    conn.execute(
        table.insert().values(
            namespace=quota.namespace,
            cpu_millis=quota.cpu_millis,
            memory_bytes=quota.memory_bytes,
            gpu=quota.gpu,
            clusters=quota.clusters,
            nodes=quota.nodes,
            nodes_per_cluster=quota.nodes_per_cluster,
        )
    )
    return quota


def list_quotas(conn: Connection) -> dict[str, QuotaRecord]:
    return {r.namespace: _quota(r) for r in conn.execute(sa.select(schema.quotas))}


def live_token(
    conn: Connection, token_id: str, now: float
) -> tuple[TokenRecord, UserRecord, str] | None:
    """The token with that id, its user and its secret's hash, if all still exist and the token
    has not expired (what a dashboard capability derived from the token checks on every use)."""
    table = schema.tokens
    row = conn.execute(sa.select(table).where(table.c.id == token_id)).first()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = find_user(conn, row.username)
    return None if user is None else (_token(row), user, str(row.secret_hash))
