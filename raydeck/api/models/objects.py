"""Bodies of the routes every kind shares (``routes/objects/``), around the kind's own model.

An object is answered as Kubernetes would (the user's body, server metadata, status), and
documented by the kind's model in ``raydeck.resources``; a list wraps the objects as
``<Kind>List``. Events, pods and endpoints are raydeck's views of what runs.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from raydeck.api.models.common import Wire
from raydeck.resources.kinds import Kind


class ListMeta(Wire):
    """What every ``<Kind>List`` has besides its items."""

    api_version: str = "ray.io/v1"
    kind: str
    continue_: str | None = Field(
        alias="continue", description="Pass as ?continue= for the next page; null: last page"
    )
    total: int = Field(description="Objects matching the query, on every page")
    close_matches: bool = Field(
        description="No name contains the search: these names hold its characters in order"
    )


@functools.cache
def object_list(kind: Kind) -> type[BaseModel]:
    """``<Kind>List``: a page of the kind's objects."""
    # list[<the kind's model>], made at run time: no static type can name it.
    items: Any = list.__class_getitem__(kind.model)
    return create_model(f"{kind.name}List", __base__=ListMeta, items=(items, ...))


class NewName(BaseModel):
    name: str = Field(min_length=1, description="Name of the object to create")


class NewInstance(NewName):
    suspend: bool = Field(default=False, description="Create it stopped")


class DeleteOutcome(Wire):
    name: str
    deleted: bool
    reason: str = Field(default="", description="Why it was not deleted (NotFound, ...)")
    message: str = Field(default="", description="What stopped it, for a person")


class DeleteResults(BaseModel):
    results: list[DeleteOutcome]


class InvolvedObject(Wire):
    kind: str
    namespace: str
    name: str


class Event(Wire):
    type: str = Field(description="Normal or Warning")
    reason: str
    message: str
    count: int
    first_timestamp: str
    last_timestamp: str
    involved_object: InvolvedObject


class EventList(Wire):
    api_version: Literal["v1"] = "v1"
    kind: Literal["EventList"] = "EventList"
    items: list[Event]


class Pod(Wire):
    """A pod, or on the local platform a Ray node process (then with its ``pid``)."""

    name: str
    group: str
    node_type: str
    phase: str
    ready: bool
    restarts: int
    ip: str
    ports: dict[str, int]
    start_time: str | None
    pid: int | None
    message: str


class PodList(BaseModel):
    items: list[Pod]


class Endpoints(BaseModel):
    """The URLs that exist: a RayService's stable ``serve`` endpoint, a cluster's ``dashboard``."""

    serve: str | None = None
    dashboard: str | None = None
