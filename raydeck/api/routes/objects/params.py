"""What the object routes read from a request besides the body: path parts and list queries.

The list query parameters are documented in ``docs/api.md``; ``ListParams.query`` turns them
into the store's ``ListQuery``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import Field

from raydeck.api.deps import AppContext
from raydeck.managers.objects import ObjectManager
from raydeck.resources.kinds import Kind
from raydeck.store.records import ListQuery

NamespacePath = Annotated[str, Field(min_length=1, max_length=63)]
Listed = Annotated[list[str] | None, Query()]
ObjectType = Literal["template", "instance"]


@dataclass(frozen=True)
class Paths:
    """The URLs of one kind: all namespaces, one namespace, one object."""

    everywhere: str
    base: str
    item: str

    @classmethod
    def of(cls, kind: Kind) -> Paths:
        base = f"/api/v1/namespaces/{{namespace}}/{kind.plural}"
        return cls(everywhere=f"/api/v1/{kind.plural}", base=base, item=f"{base}/{{name}}")


def manager(context: AppContext, kind: Kind) -> ObjectManager:
    return context.objects[kind.plural]


def split(values: list[str] | None) -> tuple[str, ...]:
    """Repeated and comma-separated values alike (``?status=a,b&status=c``), blanks dropped."""
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


class ListParams:
    """The query parameters every list route takes (see docs/api.md)."""

    def __init__(
        self,
        search: Annotated[
            str,
            Query(
                description="Names containing this text (any case); if none does, names "
                "holding its characters in order, with closeMatches true"
            ),
        ] = "",
        sort: Annotated[str, Query(description="Sort key; '-' prefix descends")] = "name",
        status: Listed = None,
        ray_version: Annotated[list[str] | None, Query(alias="rayVersion")] = None,
        type: ObjectType | None = None,
        creator: Listed = None,
        selector: Annotated[str, Query(description="Label selector")] = "",
        limit: Annotated[int, Query(ge=0, le=1000)] = 0,
        continue_: Annotated[str | None, Query(alias="continue")] = None,
    ) -> None:
        self.search, self.sort, self.selector = search, sort, selector
        self.status, self.ray_version, self.creator = (
            split(status),
            split(ray_version),
            split(creator),
        )
        self.type, self.limit, self.continue_token = type, limit, continue_

    def query(self, kind: str, namespace: str | None) -> ListQuery:
        return ListQuery(
            kind=kind,
            namespace=namespace,
            search=self.search,
            sort=self.sort,
            status=self.status,
            ray_version=self.ray_version,
            type=self.type,
            creator=self.creator,
            selector=self.selector,
            limit=self.limit,
            continue_token=self.continue_token,
        )


ListParamsDep = Annotated[ListParams, Depends()]
