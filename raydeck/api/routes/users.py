"""REST routes for users: platform admins create, change and delete; a user reads and re-keys self.

Bodies are checked for shape by their models (``api/models/accounts.py``); ``AuthManager``
decides who may do what and applies the rules of names, passwords and grants.
"""

from __future__ import annotations

from fastapi import APIRouter

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.accounts import NewUser, User, UserChange, UserList
from raydeck.api.models.common import ERRORS, Done
from raydeck.managers.auth import user_wire

router = APIRouter(tags=["users"], responses=ERRORS)


@router.get("/api/v1/users", response_model=UserList, summary="List users (platform-admin)")
async def list_users(context: ContextDep, who: PrincipalDep) -> UserList:
    users = await context.auth.list_users(who)
    return UserList.model_validate({"items": [user_wire(u) for u in users]})


@router.post(
    "/api/v1/users",
    status_code=201,
    response_model=User,
    summary="Create a user (platform-admin)",
)
async def create_user(new: NewUser, context: ContextDep, who: PrincipalDep) -> User:
    created = await context.auth.create_user(who, new.model_dump())
    return User.model_validate(user_wire(created))


@router.get(
    "/api/v1/users/{username}",
    response_model=User,
    summary="Read a user (platform-admin, or yourself)",
)
async def get_user(context: ContextDep, who: PrincipalDep, username: str) -> User:
    return User.model_validate(user_wire(await context.auth.get_user(who, username)))


@router.patch(
    "/api/v1/users/{username}",
    response_model=User,
    summary="Change a user's role or namespaces (platform-admin) or password (also yourself)",
)
async def update_user(
    change: UserChange, context: ContextDep, who: PrincipalDep, username: str
) -> User:
    # Only the fields sent: the manager tells a password change from a grant change by them.
    sent = change.model_dump(by_alias=True, exclude_unset=True)
    return User.model_validate(user_wire(await context.auth.update_user(who, username, sent)))


@router.delete(
    "/api/v1/users/{username}",
    response_model=Done,
    summary="Delete a user and their tokens (platform-admin)",
)
async def delete_user(context: ContextDep, who: PrincipalDep, username: str) -> Done:
    await context.auth.delete_user(who, username)
    return Done(message=f"user {username!r} deleted")
