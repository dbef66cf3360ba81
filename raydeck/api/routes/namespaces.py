"""REST routes for namespaces: list, read, create, delete (``default`` always exists).

Everyone sees the namespaces granted to them; only platform admins create or delete.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from raydeck.api.body import read_object
from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.errors import FieldError, InvalidInput

router = APIRouter(tags=["namespaces"])


@router.get("/api/v1/namespaces", summary="List namespaces")
async def list_namespaces(context: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    items = await context.namespaces.list(who)
    return {"apiVersion": "v1", "kind": "NamespaceList", "items": [n.to_wire() for n in items]}


@router.get("/api/v1/namespaces/{namespace}", summary="Read a namespace")
async def get_namespace(context: ContextDep, who: PrincipalDep, namespace: str) -> dict[str, Any]:
    return (await context.namespaces.get(who, namespace)).to_wire()


@router.post(
    "/api/v1/namespaces",
    status_code=201,
    summary='Create a namespace: {"metadata": {"name": ...}} or {"name": ...}',
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"name": {"type": "string"}}}
                }
            },
        }
    },
)
async def create_namespace(
    request: Request, context: ContextDep, who: PrincipalDep
) -> dict[str, Any]:
    body = await read_object(request)
    name = body.get("name") or (body.get("metadata") or {}).get("name")
    if not isinstance(name, str):
        raise InvalidInput(
            "the namespace is invalid", [FieldError("metadata.name", "Required value")]
        )
    return (await context.namespaces.create(who, name)).to_wire()


@router.delete("/api/v1/namespaces/{namespace}", summary="Delete an empty namespace")
async def delete_namespace(
    context: ContextDep, who: PrincipalDep, namespace: str
) -> dict[str, Any]:
    await context.namespaces.delete(who, namespace)
    return {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Success",
        "message": f"namespace {namespace!r} deleted",
    }


@router.get("/api/v1/namespaces/{namespace}/quota", summary="A namespace's quota and its use")
async def get_quota(context: ContextDep, who: PrincipalDep, namespace: str) -> dict[str, Any]:
    return (await context.quotas.get(who, namespace)).to_wire()


@router.put(
    "/api/v1/namespaces/{namespace}/quota",
    summary="Set a namespace's quota (platform-admin); a field left out is unlimited",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "cpu": {"type": ["string", "number", "null"]},
                            "memory": {"type": ["string", "null"]},
                            "gpu": {"type": ["integer", "null"]},
                            "clusters": {"type": ["integer", "null"]},
                        },
                    }
                }
            },
        }
    },
)
async def put_quota(
    request: Request, context: ContextDep, who: PrincipalDep, namespace: str
) -> dict[str, Any]:
    body = await read_object(request)
    return (await context.quotas.put(who, namespace, body)).to_wire()


@router.get(
    "/api/v1/namespaces/{namespace}/queue",
    summary="Clusters waiting for admission in a namespace, in the order they will start",
)
async def get_queue(context: ContextDep, who: PrincipalDep, namespace: str) -> dict[str, Any]:
    return {"items": [e.to_wire() for e in await context.quotas.queue(who, namespace)]}
