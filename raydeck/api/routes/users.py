"""REST routes for users: platform admins create, change and delete; a user reads and re-keys self."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from raydeck.api.body import read_object
from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.managers.auth import user_wire

router = APIRouter(tags=["users"])

_USER_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "currentPassword": {
                            "type": "string",
                            "description": "Needed to change your own password",
                        },
                        "role": {
                            "type": "string",
                            "enum": ["platform-admin", "cluster-admin", "viewer"],
                        },
                        "namespaces": {"type": "array", "items": {"type": "string"}},
                    },
                }
            }
        },
    }
}


@router.get("/api/v1/users", summary="List users (platform-admin)")
async def list_users(context: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    return {"items": [user_wire(u) for u in await context.auth.list_users(who)]}


@router.post(
    "/api/v1/users",
    status_code=201,
    summary="Create a user (platform-admin)",
    openapi_extra=_USER_BODY,
)
async def create_user(request: Request, context: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    body = await read_object(request)
    return user_wire(await context.auth.create_user(who, body))


@router.get("/api/v1/users/{username}", summary="Read a user (platform-admin, or yourself)")
async def get_user(context: ContextDep, who: PrincipalDep, username: str) -> dict[str, Any]:
    return user_wire(await context.auth.get_user(who, username))


@router.patch(
    "/api/v1/users/{username}",
    summary="Change a user's role or namespaces (platform-admin) or password (also yourself)",
    openapi_extra=_USER_BODY,
)
async def update_user(
    request: Request, context: ContextDep, who: PrincipalDep, username: str
) -> dict[str, Any]:
    body = await read_object(request)
    return user_wire(await context.auth.update_user(who, username, body))


@router.delete(
    "/api/v1/users/{username}", summary="Delete a user and their tokens (platform-admin)"
)
async def delete_user(context: ContextDep, who: PrincipalDep, username: str) -> dict[str, Any]:
    await context.auth.delete_user(who, username)
    return {"status": "Success", "message": f"user {username!r} deleted"}
