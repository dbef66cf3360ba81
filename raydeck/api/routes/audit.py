"""``GET /api/v1/audit``: the audit log, newest first, for platform admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.managers.audit import audit_wire

router = APIRouter(tags=["audit"])


@router.get("/api/v1/audit", summary="Who did what to which object, newest first (platform-admin)")
async def list_audit(
    context: ContextDep,
    who: PrincipalDep,
    user: Annotated[str, Query(description="Only this user's actions")] = "",
    action: Annotated[str, Query(description="Only this action (login, create, ...)")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    rows = await context.audit.list(who, username=user, action=action, limit=limit)
    return {"items": [audit_wire(r) for r in rows]}
