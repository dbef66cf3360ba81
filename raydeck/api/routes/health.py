"""``GET /healthz``: answers while the server runs and its store responds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from raydeck.api.deps import ContextDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness of raydeck itself")
async def healthz(context: ContextDep) -> dict[str, Any]:
    await context.store.list_namespaces()
    return {"status": "ok", "platform": context.platform.name}
