"""The API's answers the CLI reads, and the bodies it sends, as small typed shapes.

``Client`` reads each answer into one of these as it arrives, so commands read attributes,
never keys. Shapes are lenient (unknown fields ignored, JSON null read as absent): the server
validated what it sends. Objects themselves stay the JSON the server sent (``views.py`` reads
what a table shows of them), because ``get -o yaml|json`` prints them back unchanged.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from raydeck.errors import FieldError, RaydeckError
from raydeck.resources.meta import ObjectMeta

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class Reply(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: object) -> object:
        """JSON null reads as a field left out, as Kubernetes treats it."""
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def read(shape: type[M], body: object, *, what: str) -> M:
    """``body`` read as ``shape``; an answer of another shape is an error that names the field."""
    try:
        return shape.model_validate(body)
    except ValidationError as e:
        error = e.errors()[0]
        where = ".".join(map(str, error["loc"])) or "body"
        raise RaydeckError(
            f"{what} from raydeck is not what this CLI reads: {where}: {error['msg']}"
        ) from None


class Cause(Reply):
    field: str = ""
    message: str = ""


class Details(Reply):
    causes: list[Cause] = Field(default_factory=list)


class Status(Reply):
    """The Kubernetes-shaped ``Status`` every failure carries."""

    reason: str = "Error"
    message: str = ""
    details: Details = Field(default_factory=Details)

    def field_errors(self) -> list[FieldError]:
        return [FieldError(c.field, c.message) for c in self.details.causes]


class Items(Reply, Generic[T]):
    """A list answer: ``{"items": [...]}``."""

    items: list[T]


class ObjectPage(Reply):
    """One page of a kind's list."""

    #: The objects as the server sent them: printed back unchanged by ``get -o yaml|json``.
    items: list[dict[str, Any]]
    #: No name contained the search text; these hold its characters in that order.
    close_matches: bool = False


class Namespace(Reply):
    metadata: ObjectMeta


class User(Reply):
    username: str
    role: str
    namespaces: list[str] = Field(default_factory=list)


class NewUser(User):
    password: str


class PasswordChange(Reply):
    password: str
    current_password: str


class Token(Reply):
    id: str
    kind: str
    description: str = ""
    created_at: str = ""
    #: Seconds since the epoch; absent for a token that never expires.
    expires_at: float | None = None
    last_used_at: str | None = None


class IssuedToken(Token):
    """A token as it is issued: the secret is in this answer only."""

    token: str


class Pod(Reply):
    name: str
    phase: str
    ready: bool
    restarts: int
    pid: int | None = None


class Event(Reply):
    type: str
    reason: str
    count: int
    message: str


class DeleteOutcome(Reply):
    """What became of one name of a batch delete."""

    name: str
    deleted: bool
    reason: str = ""
    message: str = ""


class Outcomes(Reply):
    results: list[DeleteOutcome]
