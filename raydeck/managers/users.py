"""Users: platform admins create, change and delete them; a user reads and re-keys self.

``AuthManager`` hands these calls on (``auth.create_user`` is ``auth.users.create``),
so the API and console reach them where they always did. Request bodies are
checked field by field here; who is calling is established in ``auth.py`` and
what a role may do in ``access.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from raydeck.errors import FieldError, InvalidInput, NotFound
from raydeck.managers.access import Principal, parse_role
from raydeck.managers.audit import AuditLog
from raydeck.managers.passwords import Passwords, check_password
from raydeck.resources.meta import now_rfc3339
from raydeck.resources.validation.common import check_namespace_name
from raydeck.store import accounts
from raydeck.store.accounts import AuditDetails, UserRecord
from raydeck.store.store import Store

#: What a change of a user may name; ``username`` only to repeat the one in the URL.
_CHANGEABLE = frozenset({"password", "currentPassword", "role", "namespaces", "username"})
#: What users may change about themselves without being a platform admin.
_OWN = frozenset({"password", "currentPassword"})


class UserManager:
    def __init__(self, *, store: Store, audit: AuditLog, passwords: Passwords) -> None:
        self._store, self._audit, self._passwords = store, audit, passwords

    async def create(
        self,
        actor: Principal,
        body: Mapping[str, object],  # the request's JSON, every field checked here
    ) -> UserRecord:
        actor.require_admin("create users")
        username = _username(body.get("username"))
        password = body.get("password")
        if not isinstance(password, str):
            raise InvalidInput("the user is invalid", [FieldError("password", "Required value")])
        check_password(password)
        role = parse_role(body.get("role", "viewer"))
        namespaces = await self._namespaces(body.get("namespaces", []))
        hashed = await self._passwords.hash(password)
        record = UserRecord(username, hashed, role, namespaces, now_rfc3339())
        await self._store.transact(accounts.insert_user, record)
        details = AuditDetails(role=role, namespaces=list(namespaces))
        await self._audit.record(
            actor.username, "create", kind="User", name=username, details=details
        )
        return record

    async def update(
        self,
        actor: Principal,
        username: str,
        body: Mapping[str, object],  # the request's JSON, every field checked here
    ) -> UserRecord:
        """Change role, namespaces (platform-admin) or password (the admin or the user)."""
        current = await self.get(actor, username)
        if set(body) - _OWN:
            actor.require_admin("change roles or namespaces")
        unknown = set(body) - _CHANGEABLE
        if unknown:
            raise InvalidInput(
                "the user change is invalid",
                [FieldError(k, "unknown field; use password, role or namespaces") for k in unknown],
            )
        if body.get("username", username) != username:
            raise InvalidInput(
                "the user change is invalid", [FieldError("username", "cannot be changed")]
            )
        updated = await self._changed(actor, current, body)
        await self._store.transact(accounts.update_user, updated)
        details = AuditDetails(
            changed=sorted(k for k in body if k not in ("username", "currentPassword"))
        )
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

    async def _changed(
        self, actor: Principal, current: UserRecord, body: Mapping[str, object]
    ) -> UserRecord:
        """``current`` with the changes of ``body``, each checked, in the order users see them."""
        updated = current
        if "password" in body:
            password = body["password"]
            if not isinstance(password, str):
                raise InvalidInput(
                    "the user change is invalid", [FieldError("password", "must be a string")]
                )
            check_password(password)
            if current.username == actor.username:
                await self._require_current_password(current, body.get("currentPassword"))
            updated = replace(updated, password_hash=await self._passwords.hash(password))
        if "role" in body:
            updated = replace(updated, role=parse_role(body["role"]))
            if current.username == actor.username and updated.role != "platform-admin":
                raise InvalidInput(
                    "the user change is invalid",
                    [FieldError("role", "you cannot take the platform-admin role from yourself")],
                )
        if "namespaces" in body:
            updated = replace(updated, namespaces=await self._namespaces(body["namespaces"]))
        return updated

    async def _require_current_password(self, user: UserRecord, presented: object) -> None:
        if not isinstance(presented, str) or not presented:
            raise InvalidInput(
                "the password change is invalid",
                [FieldError("currentPassword", "Required value: your current password")],
            )
        if not await self._passwords.verify(user.password_hash, presented):
            raise InvalidInput(
                "the password change is invalid",
                [FieldError("currentPassword", "is not your current password")],
            )

    async def get(self, actor: Principal, username: str) -> UserRecord:
        if username != actor.username and not actor.is_platform_admin:
            raise NotFound(f"user {username!r} not found")
        return await self._store.transact(accounts.get_user, username)

    async def list(self, actor: Principal) -> list[UserRecord]:
        actor.require_admin("list users")
        return await self._store.transact(accounts.list_users)

    async def delete(self, actor: Principal, username: str) -> None:
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


def _username(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("the user is invalid", [FieldError("username", "Required value")])
    errors = check_namespace_name(value, "username")
    if errors:
        raise InvalidInput("the user is invalid", errors)
    return value
