"""Bodies of logging in, tokens and users (``routes/auth.py``, ``routes/users.py``).

Requests are checked here for shape (types, required and unknown fields); what needs the
store (does a namespace exist, is the current password right, is a name free) and the rules
of passwords and roles stay with ``managers/auth.py``, which the console calls as well.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from raydeck.api.models.common import Wire
from raydeck.managers.access import Role, Via


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=253)
    password: str = Field(min_length=1, max_length=1024)


class NewToken(BaseModel):
    description: str = Field(default="api", min_length=1, max_length=200)


class NewUser(BaseModel):
    """``POST /api/v1/users``. The name must be a DNS-1123 label; the password long enough."""

    username: str
    password: str
    role: Role = "viewer"
    namespaces: list[str] = Field(default_factory=list, description="Namespaces granted")


class UserChange(BaseModel):
    """``PATCH /api/v1/users/{username}``: only the fields sent change. Role and namespaces
    need a platform admin; changing your own password needs ``currentPassword``."""

    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(default=None, description="May be sent; cannot change")
    password: str | None = None
    current_password: str | None = Field(
        default=None, alias="currentPassword", description="Needed to change your own password"
    )
    role: Role | None = None
    namespaces: list[str] | None = None


class User(Wire):
    username: str
    role: Role
    namespaces: list[str]
    created_at: str


class UserList(BaseModel):
    items: list[User]


class WhoAmI(User):
    via: Via = Field(description="How this request authenticated")


class Token(Wire):
    """A token or session as listed: never its secret."""

    id: str
    user: str
    kind: Literal["api", "session"]
    description: str
    created_at: str
    expires_at: float | None = Field(description="Epoch seconds; null: never")
    last_used_at: str | None


class TokenList(BaseModel):
    items: list[Token]


class IssuedToken(Token):
    token: str = Field(description="The secret to send as 'Authorization: Bearer'; shown once")


class SessionStarted(Token):
    csrf_token: str = Field(description="Send as X-CSRF-Token with every change in the session")
