"""Who is calling and what they may do: the principal and the role rules, in one place.

Every manager method that reads or changes something takes a ``Principal`` and
asks it (``require_read``, ``require_write``, ``require_admin``); the API, the
console and the CLI never decide access themselves. It knows nothing of tokens
or HTTP: ``managers/auth.py`` turns credentials into a principal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, get_args

from raydeck.errors import FieldError, Forbidden, InvalidInput, NotFound

Role = Literal["platform-admin", "cluster-admin", "viewer"]
ROLES: tuple[str, ...] = get_args(Role)
#: How the principal proved who they are: a bearer token, a console session cookie, or
#: raydeck itself (bootstrap, the local CLI token ``raydeck up`` writes).
Via = Literal["token", "session", "system"]


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    namespaces: frozenset[str] = field(default_factory=frozenset)
    via: Via = "token"
    #: The token or session this request came with (revoking "the current token" needs it).
    token_id: str = ""
    #: SHA-256 of a console session's CSRF token; empty for bearer tokens.
    csrf_hash: str = field(default="", repr=False)

    @property
    def is_platform_admin(self) -> bool:
        return self.role == "platform-admin"

    @property
    def may_see_secrets(self) -> bool:
        return self.role != "viewer"

    def sees(self, namespace: str) -> bool:
        return self.is_platform_admin or namespace in self.namespaces

    def visible(self, namespaces: Iterable[str]) -> list[str]:
        return [n for n in namespaces if self.sees(n)]

    def visible_filter(self) -> tuple[str, ...] | None:
        """What list queries restrict namespaces to; ``None`` for a platform admin (no limit)."""
        return None if self.is_platform_admin else tuple(sorted(self.namespaces))

    def require_read(self, namespace: str) -> None:
        """A namespace not granted is invisible: it is reported as not found, as if absent."""
        if not self.sees(namespace):
            raise NotFound(f"namespace {namespace!r} not found")

    def require_write(self, namespace: str) -> None:
        self.require_read(namespace)
        if self.role == "viewer":
            raise Forbidden(
                f"user {self.username!r} is a viewer in namespace {namespace!r} and may only read; "
                "ask a platform admin for the cluster-admin role"
            )

    def require_admin(self, what: str) -> None:
        if not self.is_platform_admin:
            raise Forbidden(f"only a platform-admin may {what}; {self.username!r} is {self.role}")


def parse_role(value: object, path: str = "role") -> Role:
    if value not in ROLES:
        raise InvalidInput(
            "the user is invalid",
            [FieldError(path, f"must be one of {', '.join(ROLES)}, not {value!r}")],
        )
    role: Role = value  # type: ignore[assignment]
    return role
