"""Logins, bearer tokens, console sessions with CSRF tokens, and users: credentials to principals.

The API's guard calls ``authenticate`` for every request; the console will call
``start_session`` and ``check_csrf``. Passwords are stored as Argon2id hashes,
tokens as SHA-256 of a random secret shown once. What a principal may do is
decided in ``access.py``; this module only establishes who it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from raydeck.errors import FieldError, Forbidden, InvalidInput, NotFound, TooManyRequests
from raydeck.errors import Unauthorized as UnauthorizedError
from raydeck.managers.access import Principal, Role, Via, parse_role
from raydeck.managers.audit import AuditLog
from raydeck.resources.meta import now_rfc3339
from raydeck.resources.validation.common import check_namespace_name
from raydeck.settings import AuthSettings
from raydeck.store import accounts
from raydeck.store.accounts import TokenRecord, UserRecord
from raydeck.store.store import Store

log = logging.getLogger(__name__)
ADMIN = "admin"
TOKEN_PREFIX = "rdk_"
MIN_PASSWORD_LENGTH = 8
TokenKind = Literal["api", "session"]


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is what the client sends and is never shown again."""

    record: TokenRecord
    secret: str
    csrf: str = ""


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Failed logins, counted per (user name, client) pair and per client, with back-off.

    Once a key has ``limit`` failures, each further attempt must wait 1, 2, 4, ... seconds
    after the last failure (at most ``window``); a key quiet for ``window`` is forgotten.
    Nothing is counted per user name alone, so failures from one client never lock that user
    out of another; the per-client key (``client_limit``) slows one client spraying names.
    """

    def __init__(
        self, *, limit: int, client_limit: int, window: float, clock: Callable[[], float]
    ) -> None:
        self._limits = {"pair": limit, "client": client_limit}
        self._window, self._clock = window, clock
        self._failures: dict[tuple[str, ...], _Failures] = {}

    def _keys(self, username: str, client: str) -> tuple[tuple[str, ...], ...]:
        return (("pair", username, client), ("client", client))

    def _current(self, key: tuple[str, ...]) -> _Failures | None:
        found = self._failures.get(key)
        if found is not None and self._clock() - found.last >= self._window:
            del self._failures[key]  # forget quiet keys: the table stays small
            return None
        return found

    def wait(self, key: tuple[str, ...]) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        found = self._current(key)
        excess = -1 if found is None else found.count - self._limits[key[0]]
        if found is None or excess < 0:
            return 0.0
        delay = min(2.0 ** min(excess, 30), self._window)
        return max(0.0, found.last + delay - self._clock())

    def check(self, username: str, client: str) -> None:
        wait = max(self.wait(key) for key in self._keys(username, client))
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyRequests(
                f"too many failed logins; try again in {seconds} seconds", retry_after=seconds
            )

    def fail(self, username: str, client: str) -> None:
        for key in self._keys(username, client):
            found = self._current(key) or _Failures(0, 0.0)
            self._failures[key] = _Failures(found.count + 1, self._clock())

    def succeed(self, username: str, client: str) -> None:
        self._failures.pop(self._keys(username, client)[0], None)


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
        self._hasher = PasswordHasher()
        self._throttle = LoginThrottle(
            limit=settings.login_max_failures,
            client_limit=settings.login_client_max_failures,
            window=settings.login_window_seconds,
            clock=clock,
        )
        #: Verified when the user does not exist, so that a login takes as long either way.
        self._dummy_hash = ""

    # -- first start ----------------------------------------------------------------------

    async def ensure_admin(self, password: str | None) -> str | None:
        """Create ``admin`` if no user exists yet; returns the password if it was generated."""
        await self._dummy()  # at start, so that no login pays for it
        if await self._store.transact(accounts.count_users):
            return None
        generated = None if password else secrets.token_urlsafe(15)
        chosen = password or generated
        assert chosen is not None
        _check_password(chosen)
        record = UserRecord(ADMIN, await self._hash(chosen), "platform-admin", (), now_rfc3339())
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
        checked = await self._verify(user.password_hash if user else await self._dummy(), password)
        if user is None or not checked:
            self._throttle.fail(username, client)
            await self._audit.record(
                username,
                "login",
                kind="User",
                name=username,
                outcome="failure",
                details={"client": client, "via": kind},
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
            details={"client": client, "via": kind, "token": issued.record.id},
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
            details={"description": description},
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
            actor.username, "delete", kind="Token", name=token_id, details={"user": token.username}
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

    # -- passwords ------------------------------------------------------------------------

    async def _dummy(self) -> str:
        if not self._dummy_hash:
            self._dummy_hash = await self._hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    async def _hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def _verify(self, password_hash: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(verify)

    # -- users ----------------------------------------------------------------------------

    async def create_user(self, actor: Principal, body: dict[str, Any]) -> UserRecord:
        actor.require_admin("create users")
        username = _username(body.get("username"))
        password = body.get("password")
        if not isinstance(password, str):
            raise InvalidInput("the user is invalid", [FieldError("password", "Required value")])
        _check_password(password)
        role = parse_role(body.get("role", "viewer"))
        namespaces = await self._namespaces(body.get("namespaces", []))
        record = UserRecord(username, await self._hash(password), role, namespaces, now_rfc3339())
        await self._store.transact(accounts.insert_user, record)
        await self._audit.record(
            actor.username,
            "create",
            kind="User",
            name=username,
            details={"role": role, "namespaces": list(namespaces)},
        )
        return record

    async def update_user(
        self, actor: Principal, username: str, body: dict[str, Any]
    ) -> UserRecord:
        """Change role, namespaces (platform-admin) or password (the admin or the user)."""
        current = await self.get_user(actor, username)
        if set(body) - {"password", "currentPassword"}:
            actor.require_admin("change roles or namespaces")
        unknown = set(body) - {"password", "currentPassword", "role", "namespaces", "username"}
        if unknown:
            raise InvalidInput(
                "the user change is invalid",
                [FieldError(k, "unknown field; use password, role or namespaces") for k in unknown],
            )
        if body.get("username", username) != username:
            raise InvalidInput(
                "the user change is invalid", [FieldError("username", "cannot be changed")]
            )
        updated = current
        if "password" in body:
            password = body["password"]
            if not isinstance(password, str):
                raise InvalidInput(
                    "the user change is invalid", [FieldError("password", "must be a string")]
                )
            _check_password(password)
            if username == actor.username:
                await self._require_current_password(current, body.get("currentPassword"))
            updated = replace(updated, password_hash=await self._hash(password))
        if "role" in body:
            updated = replace(updated, role=parse_role(body["role"]))
            if current.username == actor.username and updated.role != "platform-admin":
                raise InvalidInput(
                    "the user change is invalid",
                    [FieldError("role", "you cannot take the platform-admin role from yourself")],
                )
        if "namespaces" in body:
            updated = replace(updated, namespaces=await self._namespaces(body["namespaces"]))
        await self._store.transact(accounts.update_user, updated)
        changed = sorted(k for k in body if k not in ("username", "currentPassword"))
        details: dict[str, Any] = {"changed": changed}
        if "password" in body:
            # A new password ends every other way in: a stolen token or session stops working.
            # The request's own token or session stays when users change their own password.
            keep = actor.token_id if username == actor.username else ""
            details["revokedTokens"] = await self._store.transact(
                accounts.delete_tokens_except, username, keep
            )
        await self._audit.record(
            actor.username, "update", kind="User", name=username, details=details
        )
        return updated

    async def _require_current_password(self, user: UserRecord, presented: object) -> None:
        if not isinstance(presented, str) or not presented:
            raise InvalidInput(
                "the password change is invalid",
                [FieldError("currentPassword", "Required value: your current password")],
            )
        if not await self._verify(user.password_hash, presented):
            raise InvalidInput(
                "the password change is invalid",
                [FieldError("currentPassword", "is not your current password")],
            )

    async def get_user(self, actor: Principal, username: str) -> UserRecord:
        if username != actor.username and not actor.is_platform_admin:
            raise NotFound(f"user {username!r} not found")
        return await self._store.transact(accounts.get_user, username)

    async def list_users(self, actor: Principal) -> list[UserRecord]:
        actor.require_admin("list users")
        return await self._store.transact(accounts.list_users)

    async def delete_user(self, actor: Principal, username: str) -> None:
        actor.require_admin("delete users")
        if username == actor.username:
            raise InvalidInput(
                "the user cannot be deleted", [FieldError("username", "you cannot delete yourself")]
            )
        await self._store.transact(accounts.delete_user, username)
        await self._audit.record(actor.username, "delete", kind="User", name=username)

    async def _namespaces(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInput(
                "the user is invalid", [FieldError("namespaces", "must be a list of names")]
            )
        existing = {n.name for n in await self._store.list_namespaces()}
        errors = [
            FieldError(f"namespaces[{i}]", f"namespace {v!r} does not exist")
            for i, v in enumerate(value)
            if v not in existing
        ]
        if errors:
            raise InvalidInput("the user is invalid", errors)
        return tuple(dict.fromkeys(value))


def _principal(
    user: UserRecord, via: Via, token_id: str, *, csrf_hash: str | None = None
) -> Principal:
    role: Role = parse_role(user.role)
    return Principal(
        user.username, role, frozenset(user.namespaces), via, token_id, csrf_hash or ""
    )


def _username(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("the user is invalid", [FieldError("username", "Required value")])
    errors = check_namespace_name(value, "username")
    if errors:
        raise InvalidInput("the user is invalid", errors)
    return value


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "the password is too weak",
            [FieldError("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")],
        )


def user_wire(user: UserRecord) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "namespaces": list(user.namespaces),
        "createdAt": user.created_at,
    }


def token_wire(token: TokenRecord) -> dict[str, Any]:
    return {
        "id": token.id,
        "user": token.username,
        "kind": token.kind,
        "description": token.description,
        "createdAt": token.created_at,
        "expiresAt": token.expires_at,
        "lastUsedAt": token.last_used_at,
    }
