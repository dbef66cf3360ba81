"""``GET /api/v1/audit``: the audit log, newest first, for platform admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.common import ERRORS
from raydeck.api.models.service import AuditLog
from raydeck.managers.audit import audit_wire

router = APIRouter(tags=["audit"], responses=ERRORS)


@router.get(
    "/api/v1/audit",
    response_model=AuditLog,
    summary="Who did what to which object, newest first (platform-admin)",
)
async def list_audit(
    context: ContextDep,
    who: PrincipalDep,
    user: Annotated[str, Query(description="Only this user's actions")] = "",
    action: Annotated[str, Query(description="Only this action (login, create, ...)")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditLog:
    rows = await context.audit.list(who, username=user, action=action, limit=limit)
    return AuditLog.model_validate({"items": [audit_wire(r) for r in rows]})
