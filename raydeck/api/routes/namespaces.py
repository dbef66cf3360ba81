"""REST routes for namespaces: list, read, create, delete (``default`` always exists), and each
namespace's quota and admission queue.

Everyone sees the namespaces granted to them; only platform admins create or delete them and
set quotas. Bodies are checked by their models (``api/models/namespaces.py``).
"""

from __future__ import annotations

from fastapi import APIRouter

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.common import ERRORS, Status
from raydeck.api.models.namespaces import (
    Namespace,
    NamespaceList,
    NewNamespace,
    Queue,
    Quota,
    QuotaSpec,
)
from raydeck.errors import FieldError, InvalidInput

router = APIRouter(tags=["namespaces"], responses=ERRORS)


@router.get("/api/v1/namespaces", response_model=NamespaceList, summary="List namespaces")
async def list_namespaces(context: ContextDep, who: PrincipalDep) -> NamespaceList:
    return NamespaceList.model_validate(
        {"items": [n.to_wire() for n in await context.namespaces.list(who)]}
    )


@router.get("/api/v1/namespaces/{namespace}", response_model=Namespace, summary="Read a namespace")
async def get_namespace(context: ContextDep, who: PrincipalDep, namespace: str) -> Namespace:
    return Namespace.model_validate((await context.namespaces.get(who, namespace)).to_wire())


@router.post(
    "/api/v1/namespaces",
    status_code=201,
    response_model=Namespace,
    summary='Create a namespace: {"metadata": {"name": ...}} or {"name": ...}',
)
async def create_namespace(new: NewNamespace, context: ContextDep, who: PrincipalDep) -> Namespace:
    name = new.wanted_name()
    if name is None:
        raise InvalidInput(
            "the namespace is invalid", [FieldError("metadata.name", "Required value")]
        )
    return Namespace.model_validate((await context.namespaces.create(who, name)).to_wire())


@router.delete(
    "/api/v1/namespaces/{namespace}",
    response_model=Status,
    response_model_exclude_none=True,
    summary="Delete an empty namespace",
)
async def delete_namespace(context: ContextDep, who: PrincipalDep, namespace: str) -> Status:
    await context.namespaces.delete(who, namespace)
    return Status(status="Success", message=f"namespace {namespace!r} deleted")


@router.get(
    "/api/v1/namespaces/{namespace}/quota",
    response_model=Quota,
    summary="A namespace's quota and its use",
)
async def get_quota(context: ContextDep, who: PrincipalDep, namespace: str) -> Quota:
    return Quota.model_validate((await context.quotas.get(who, namespace)).to_wire())


@router.put(
    "/api/v1/namespaces/{namespace}/quota",
    response_model=Quota,
    summary="Set a namespace's quota (platform-admin); a field left out is unlimited",
)
async def put_quota(
    spec: QuotaSpec, context: ContextDep, who: PrincipalDep, namespace: str
) -> Quota:
    # The fields as sent: the manager records exactly those in the audit log.
    sent = spec.model_dump(by_alias=True, exclude_unset=True)
    return Quota.model_validate((await context.quotas.put(who, namespace, sent)).to_wire())


@router.get(
    "/api/v1/namespaces/{namespace}/queue",
    response_model=Queue,
    response_model_exclude_unset=True,
    summary="Clusters waiting for admission in a namespace, in the order they will start",
)
async def get_queue(context: ContextDep, who: PrincipalDep, namespace: str) -> Queue:
    return Queue.model_validate(
        {"items": [e.to_wire() for e in await context.quotas.queue(who, namespace)]}
    )
