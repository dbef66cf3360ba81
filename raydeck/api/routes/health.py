"""``GET /healthz``: answers while the server runs and its store responds."""

from __future__ import annotations

from fastapi import APIRouter

from raydeck.api.deps import ContextDep
from raydeck.api.models.common import ERRORS
from raydeck.api.models.service import Liveness

router = APIRouter(tags=["health"], responses=ERRORS)


@router.get("/healthz", response_model=Liveness, summary="Liveness of raydeck itself")
async def healthz(context: ContextDep) -> Liveness:
    await context.store.list_namespaces()
    return Liveness(platform=context.platform.name)
