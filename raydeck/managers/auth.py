"""Logins, bearer tokens and console sessions with CSRF tokens: credentials to principals.

The API's guard calls ``authenticate`` for every request; the console calls
``login`` with ``kind="session"`` and ``check_csrf`` on every change. Tokens are
SHA-256 of a random secret shown once; passwords are ``passwords.py``'s, failed
logins ``login_throttle.py``'s, user administration ``users.py``'s (reached as
``auth.users`` or through the methods here). What a principal may do is decided
in ``access.py``; this module only establishes who it is.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from raydeck.errors import Forbidden, NotFound
from raydeck.errors import Unauthorized as UnauthorizedError
from raydeck.managers.access import Principal, Role, Via, parse_role
from raydeck.managers.audit import AuditLog
from raydeck.managers.login_throttle import LoginThrottle
from raydeck.managers.passwords import Passwords, check_password
from raydeck.managers.users import UserManager
from raydeck.resources.meta import now_rfc3339
from raydeck.settings import AuthSettings
from raydeck.store import accounts
from raydeck.store.accounts import AuditDetails, TokenRecord, UserRecord
from raydeck.store.store import Store

log = logging.getLogger(__name__)
ADMIN = "admin"
TOKEN_PREFIX = "rdk_"
TokenKind = Literal["api", "session"]


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is what the client sends and is never shown again."""

    record: TokenRecord
    secret: str
    csrf: str = ""


class AuthManager:
    def __init__(
        self,
        *,
        store: Store,
        settings: AuthSettings,
        audit: AuditLog,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store, self._settings, self._audit, self._clock = store, settings, audit, clock
        self._passwords = Passwords()
        self._throttle = LoginThrottle(
            limit=settings.login_max_failures,
            client_limit=settings.login_client_max_failures,
            window=settings.login_window_seconds,
            clock=clock,
        )
        self.users = UserManager(store=store, audit=audit, passwords=self._passwords)

    # -- first start ----------------------------------------------------------------------

    async def ensure_admin(self, password: str | None) -> str | None:
        """Create ``admin`` if no user exists yet; returns the password if it was generated."""
        await self._passwords.dummy()  # at start, so that no login pays for it
        if await self._store.transact(accounts.count_users):
            return None
        generated = None if password else secrets.token_urlsafe(15)
        chosen = password or generated
        assert chosen is not None
        check_password(chosen)
        hashed = await self._passwords.hash(chosen)
        record = UserRecord(ADMIN, hashed, "platform-admin", (), now_rfc3339())
        await self._store.transact(accounts.insert_user, record)
        await self._audit.record("system", "create", kind="User", name=ADMIN)
        return generated

    async def admin_principal(self) -> Principal:
        user = await self._store.transact(accounts.get_user, ADMIN)
        return _principal(user, "system", "")

    # -- logging in -----------------------------------------------------------------------

    async def login(
        self, username: str, password: str, *, client: str, kind: TokenKind = "api"
    ) -> IssuedToken:
        """Check the password and issue a token (``api``) or a session with a CSRF token."""
        self._throttle.check(username, client)
        user = await self._store.transact(accounts.find_user, username)
        known = user.password_hash if user else await self._passwords.dummy()
        checked = await self._passwords.verify(known, password)
        if user is None or not checked:
            self._throttle.fail(username, client)
            await self._audit.record(
                username,
                "login",
                kind="User",
                name=username,
                outcome="failure",
                details=AuditDetails(client=client, via=kind),
            )
            raise UnauthorizedError("the user name or password is wrong")
        self._throttle.succeed(username, client)
        issued = await self._issue(
            user.username, kind=kind, description="login" if kind == "api" else "console"
        )
        await self._audit.record(
            username,
            "login",
            kind="User",
            name=username,
            details=AuditDetails(client=client, via=kind, token=issued.record.id),
        )
        return issued

    async def authenticate(self, secret: str, *, via: Via = "token") -> Principal:
        found = await self._store.transact(accounts.use_token, _hash_secret(secret), self._clock())
        wanted = "session" if via == "session" else "api"
        if found is None or found[0].kind != wanted:
            raise UnauthorizedError(
                "the session has expired or was ended; log in again"
                if via == "session"
                else "the token is unknown, expired or revoked; get a new one "
                "with `raydeck login` or POST /api/v1/login"
            )
        token, user = found
        return _principal(user, via, token.id, csrf_hash=token.csrf_hash)

    def check_csrf(self, principal: Principal, presented: str | None) -> None:
        """A change made with a session cookie must carry the session's CSRF token."""
        if principal.via != "session":
            return
        expected = principal.csrf_hash
        if (
            not presented
            or not expected
            or not hmac.compare_digest(_hash_secret(presented), expected)
        ):
            raise Forbidden(
                "the CSRF token is missing or wrong; send the session's csrfToken in the "
                "X-CSRF-Token header or a csrf_token form field"
            )

    async def logout(self, actor: Principal) -> None:
        if actor.token_id:
            await self._store.transact(accounts.delete_token, actor.token_id)
            await self._audit.record(actor.username, "logout", kind="Token", name=actor.token_id)

    # -- tokens ---------------------------------------------------------------------------

    async def issue_token(
        self, actor: Principal, *, description: str, replace_same: bool = False
    ) -> IssuedToken:
        """A new API token for ``actor`` itself (``replace_same`` drops older ones so named)."""
        if replace_same:
            await self._store.transact(
                accounts.delete_tokens_described, actor.username, description
            )
        issued = await self._issue(actor.username, kind="api", description=description)
        await self._audit.record(
            actor.username,
            "create",
            kind="Token",
            name=issued.record.id,
            details=AuditDetails(description=description),
        )
        return issued

    async def list_tokens(self, actor: Principal, *, all_users: bool = False) -> list[TokenRecord]:
        if all_users:
            actor.require_admin("list every user's tokens")
        username = None if all_users else actor.username
        return await self._store.transact(accounts.list_tokens, username)

    async def revoke_token(self, actor: Principal, token_id: str) -> None:
        token = await self._store.transact(accounts.find_token, token_id)
        if token is None or (token.username != actor.username and not actor.is_platform_admin):
            raise NotFound(f"token {token_id!r} not found")
        await self._store.transact(accounts.delete_token, token_id)
        await self._audit.record(
            actor.username,
            "delete",
            kind="Token",
            name=token_id,
            details=AuditDetails(user=token.username),
        )

    async def _issue(self, username: str, *, kind: TokenKind, description: str) -> IssuedToken:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32) if kind == "session" else ""
        lifetime = (
            self._settings.session_hours * 3600
            if kind == "session"
            else self._settings.token_days * 86400
        )
        record = TokenRecord(
            id=secrets.token_hex(6),
            username=username,
            kind=kind,
            description=description,
            created_at=now_rfc3339(),
            expires_at=self._clock() + lifetime if lifetime else None,
            last_used_at=None,
            csrf_hash=_hash_secret(csrf) if csrf else None,
        )
        await self._store.transact(accounts.insert_token, record, _hash_secret(secret))
        return IssuedToken(record, secret, csrf)

    # -- users (``users.py``; kept here for the API and console) -------------------------

    async def create_user(self, actor: Principal, body: Mapping[str, object]) -> UserRecord:
        return await self.users.create(actor, body)

    async def update_user(
        self, actor: Principal, username: str, body: Mapping[str, object]
    ) -> UserRecord:
        return await self.users.update(actor, username, body)

    async def get_user(self, actor: Principal, username: str) -> UserRecord:
        return await self.users.get(actor, username)

    async def list_users(self, actor: Principal) -> list[UserRecord]:
        return await self.users.list(actor)

    async def delete_user(self, actor: Principal, username: str) -> None:
        await self.users.delete(actor, username)


def _principal(
    user: UserRecord, via: Via, token_id: str, *, csrf_hash: str | None = None
) -> Principal:
    role: Role = parse_role(user.role)
    return Principal(
        user.username, role, frozenset(user.namespaces), via, token_id, csrf_hash or ""
    )


def user_wire(user: UserRecord) -> dict[str, Any]:  # JSON out: a user as the API shows one
    return {
        "username": user.username,
        "role": user.role,
        "namespaces": list(user.namespaces),
        "createdAt": user.created_at,
    }


def token_wire(token: TokenRecord) -> dict[str, Any]:  # JSON out: a token, never its secret
    return {
        "id": token.id,
        "user": token.username,
        "kind": token.kind,
        "description": token.description,
        "createdAt": token.created_at,
        "expiresAt": token.expires_at,
        "lastUsedAt": token.last_used_at,
    }
