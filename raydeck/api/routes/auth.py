"""Logging in and out: bearer tokens for the API and CLI, session cookies for the console.

``public_router`` holds the two routes that work without credentials (``POST
/api/v1/login`` and ``POST /api/v1/session``); ``router`` holds the rest and is
guarded like every other router. Checks live in ``managers/auth.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field

from raydeck.api.body import parse_json
from raydeck.api.deps import SESSION_COOKIE, ContextDep, PrincipalDep
from raydeck.errors import FieldError, InvalidInput
from raydeck.managers.auth import IssuedToken, token_wire, user_wire

public_router = APIRouter(tags=["auth"])
router = APIRouter(tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=253)
    password: str = Field(min_length=1, max_length=1024)


class NewToken(BaseModel):
    description: str = Field(default="api", min_length=1, max_length=200)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _issued_wire(issued: IssuedToken) -> dict[str, Any]:
    return {"token": issued.secret, **token_wire(issued.record)}


@public_router.post("/api/v1/login", summary="Log in: returns a bearer token for the API and CLI")
async def login(request: Request, context: ContextDep, credentials: Credentials) -> dict[str, Any]:
    issued = await context.auth.login(
        credentials.username, credentials.password, client=_client(request)
    )
    return _issued_wire(issued)


@public_router.post(
    "/api/v1/session",
    summary="Start a console session: sets a secure cookie and returns its CSRF token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": Credentials.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": Credentials.model_json_schema()},
            },
        }
    },
)
async def start_session(
    request: Request, response: Response, context: ContextDep
) -> dict[str, Any]:
    credentials = await _credentials(request)
    issued = await context.auth.login(
        credentials.username, credentials.password, client=_client(request), kind="session"
    )
    settings = context.settings.auth
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    return {"csrfToken": issued.csrf, "user": credentials.username, **token_wire(issued.record)}


async def _credentials(request: Request) -> Credentials:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        raw: Any = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        # The body is at most 64 KiB (api/limits.py); parse_json turns deep nesting into a 422.
        raw = parse_json((await request.body()).decode("utf-8", errors="replace"))
    if not isinstance(raw, dict):
        raise InvalidInput("the login is invalid", [FieldError("body", "must be an object")])
    errors = [
        FieldError(f, "Required value")
        for f in ("username", "password")
        if not isinstance(raw.get(f), str) or not raw.get(f)
    ]
    if errors:
        raise InvalidInput("the login is invalid", errors)
    return Credentials(username=raw["username"][:253], password=raw["password"][:1024])


@router.delete("/api/v1/session", summary="End the console session (its cookie stops working)")
async def end_session(response: Response, context: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    await context.auth.logout(who)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "Success", "message": "logged out"}


@router.post("/api/v1/logout", summary="Revoke the token (or session) this request carries")
async def logout(context: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    await context.auth.logout(who)
    return {"status": "Success", "message": "logged out"}


@router.get("/api/v1/whoami", summary="The calling user, their role and namespaces")
async def whoami(context: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    return {**user_wire(await context.auth.get_user(who, who.username)), "via": who.via}


@router.get("/api/v1/tokens", summary="Your tokens and sessions (all users' with all=true)")
async def list_tokens(
    context: ContextDep, who: PrincipalDep, all: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    tokens = await context.auth.list_tokens(who, all_users=all)
    return {"items": [token_wire(t) for t in tokens]}


@router.post("/api/v1/tokens", status_code=201, summary="Create another API token for yourself")
async def create_token(
    context: ContextDep, who: PrincipalDep, new: Annotated[NewToken, Body()]
) -> dict[str, Any]:
    return _issued_wire(await context.auth.issue_token(who, description=new.description))


@router.delete("/api/v1/tokens/{token_id}", summary="Revoke a token or session by its id")
async def revoke_token(context: ContextDep, who: PrincipalDep, token_id: str) -> dict[str, Any]:
    await context.auth.revoke_token(who, token_id)
    return {"status": "Success", "message": f"token {token_id!r} revoked"}
