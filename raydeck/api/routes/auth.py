"""Logging in and out: bearer tokens for the API and CLI, session cookies for the console.

``public_router`` holds the two routes that work without credentials (``POST
/api/v1/login`` and ``POST /api/v1/session``); ``router`` holds the rest and is
guarded like every other router. Bodies are ``api/models/accounts.py``'s; checks live in
``managers/auth.py``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from raydeck.api.body import parse_json
from raydeck.api.deps import SESSION_COOKIE, ContextDep, PrincipalDep
from raydeck.api.models.accounts import (
    Credentials,
    IssuedToken,
    NewToken,
    SessionStarted,
    TokenList,
    WhoAmI,
)
from raydeck.api.models.common import ERRORS, Done
from raydeck.errors import FieldError, InvalidInput
from raydeck.managers import auth as auth_manager
from raydeck.managers.auth import token_wire, user_wire
from raydeck.resources.validation.common import parse_model

public_router = APIRouter(tags=["auth"], responses=ERRORS)
router = APIRouter(tags=["auth"], responses=ERRORS)
#: A console login's form or JSON body, as the OpenAPI document shows it: the model's schema.
_CREDENTIALS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media_type: {"schema": Credentials.model_json_schema()}
            for media_type in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _issued(issued: auth_manager.IssuedToken) -> IssuedToken:
    return IssuedToken.model_validate({"token": issued.secret, **token_wire(issued.record)})


@public_router.post(
    "/api/v1/login",
    response_model=IssuedToken,
    summary="Log in: returns a bearer token for the API and CLI",
)
async def login(request: Request, context: ContextDep, credentials: Credentials) -> IssuedToken:
    issued = await context.auth.login(
        credentials.username, credentials.password, client=_client(request)
    )
    return _issued(issued)


@public_router.post(
    "/api/v1/session",
    response_model=SessionStarted,
    summary="Start a console session: sets a secure cookie and returns its CSRF token",
    openapi_extra=_CREDENTIALS_BODY,
)
async def start_session(
    request: Request, response: Response, context: ContextDep
) -> SessionStarted:
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
    return SessionStarted.model_validate({"csrfToken": issued.csrf, **token_wire(issued.record)})


async def _credentials(request: Request) -> Credentials:
    """The login of a console form (urlencoded) or of a script (JSON), checked by the model."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        raw: object = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        # The body is at most 64 KiB (api/limits.py); parse_json turns deep nesting into a 422.
        raw = parse_json((await request.body()).decode("utf-8", errors="replace"))
    if not isinstance(raw, dict):
        raise InvalidInput("the login is invalid", [FieldError("body", "must be an object")])
    return parse_model(Credentials, raw, what="the login")


@router.delete(
    "/api/v1/session",
    response_model=Done,
    summary="End the console session (its cookie stops working)",
)
async def end_session(response: Response, context: ContextDep, who: PrincipalDep) -> Done:
    await context.auth.logout(who)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return Done(message="logged out")


@router.post(
    "/api/v1/logout",
    response_model=Done,
    summary="Revoke the token (or session) this request carries",
)
async def logout(context: ContextDep, who: PrincipalDep) -> Done:
    await context.auth.logout(who)
    return Done(message="logged out")


@router.get(
    "/api/v1/whoami", response_model=WhoAmI, summary="The calling user, their role and namespaces"
)
async def whoami(context: ContextDep, who: PrincipalDep) -> WhoAmI:
    user = user_wire(await context.auth.get_user(who, who.username))
    return WhoAmI.model_validate({**user, "via": who.via})


@router.get(
    "/api/v1/tokens",
    response_model=TokenList,
    summary="Your tokens and sessions (all users' with all=true)",
)
async def list_tokens(
    context: ContextDep, who: PrincipalDep, all: Annotated[bool, Query()] = False
) -> TokenList:
    tokens = await context.auth.list_tokens(who, all_users=all)
    return TokenList.model_validate({"items": [token_wire(t) for t in tokens]})


@router.post(
    "/api/v1/tokens",
    status_code=201,
    response_model=IssuedToken,
    summary="Create another API token for yourself",
)
async def create_token(
    context: ContextDep, who: PrincipalDep, new: Annotated[NewToken, Body()]
) -> IssuedToken:
    return _issued(await context.auth.issue_token(who, description=new.description))


@router.delete(
    "/api/v1/tokens/{token_id}",
    response_model=Done,
    summary="Revoke a token or session by its id",
)
async def revoke_token(context: ContextDep, who: PrincipalDep, token_id: str) -> Done:
    await context.auth.revoke_token(who, token_id)
    return Done(message=f"token {token_id!r} revoked")
