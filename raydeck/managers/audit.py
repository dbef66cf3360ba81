"""The audit log: who did what to which object, when, and whether it worked.

Managers call ``AuditLog.record`` after each change (and the login manager after
each login attempt); platform admins read it through ``list``. It never blocks
the action it records: it is written after the fact.
"""

from __future__ import annotations

from typing import Any

from raydeck.errors import FieldError, InvalidInput
from raydeck.managers.access import Principal
from raydeck.resources.meta import now_rfc3339
from raydeck.store import accounts
from raydeck.store.accounts import AuditDetails, AuditRecord
from raydeck.store.store import Store

MAX_AUDIT_ROWS = 1000


class AuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def record(
        self,
        username: str,
        action: str,
        *,
        kind: str = "",
        namespace: str = "",
        name: str = "",
        outcome: str = "success",
        details: AuditDetails | None = None,
    ) -> None:
        row = AuditRecord(
            0, now_rfc3339(), username, action, kind, namespace, name, outcome, details or {}
        )
        await self._store.transact(accounts.insert_audit, row)

    async def list(
        self, actor: Principal, *, username: str = "", action: str = "", limit: int = 100
    ) -> list[AuditRecord]:
        actor.require_admin("read the audit log")
        if not 1 <= limit <= MAX_AUDIT_ROWS:
            raise InvalidInput(
                "the audit query is invalid",
                [FieldError("limit", f"must be between 1 and {MAX_AUDIT_ROWS}")],
            )
        return await self._store.transact(
            lambda conn: accounts.list_audit(
                conn, username=username or None, action=action or None, limit=limit
            )
        )


def audit_wire(record: AuditRecord) -> dict[str, Any]:  # JSON out: one row of GET /audit
    return {
        "id": record.id,
        "time": record.at,
        "user": record.username,
        "action": record.action,
        "kind": record.kind,
        "namespace": record.namespace,
        "name": record.name,
        "outcome": record.outcome,
        "details": record.details,
    }
