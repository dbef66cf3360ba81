"""The reading routes of a kind: lists, one object, its YAML export and its events.

Objects go out as the Kubernetes JSON they are, serialised once (``api/responses.py``); the
``response_model`` documents them with the kind's model.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.common import TEXT_ERRORS
from raydeck.api.models.objects import EventList, object_list
from raydeck.api.responses import YAMLResponse, json_response
from raydeck.api.routes.objects.params import (
    ListParams,
    ListParamsDep,
    NamespacePath,
    Paths,
    manager,
)
from raydeck.resources.kinds import Kind
from raydeck.store.records import ListPage


def list_body(kind: Kind, page: ListPage) -> dict[str, Any]:
    """A ``<Kind>List``. Kubernetes JSON out: built by hand, as the objects are already wire
    dicts and pydantic would walk each one again."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": f"{kind.name}List",
        "items": [o.to_wire() for o in page.items],
        "continue": page.continue_token,
        "total": page.total,
        "closeMatches": page.close_matches,
    }


def add_lists(router: APIRouter, kind: Kind) -> None:
    paths, listed = Paths.of(kind), object_list(kind)

    async def answer(
        context: ContextDep, who: PrincipalDep, namespace: str | None, params: ListParams
    ) -> Response:
        page = await manager(context, kind).list_objects(who, params.query(kind.name, namespace))
        return json_response(list_body(kind, page))

    @router.get(
        paths.everywhere,
        response_model=listed,
        summary=f"List {kind.plural} in all namespaces the caller may see",
    )
    async def list_all(context: ContextDep, who: PrincipalDep, params: ListParamsDep) -> Response:
        return await answer(context, who, None, params)

    @router.get(paths.base, response_model=listed, summary=f"List {kind.plural} in a namespace")
    async def list_namespaced(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, params: ListParamsDep
    ) -> Response:
        return await answer(context, who, namespace, params)


def add_reads(router: APIRouter, kind: Kind) -> None:
    item = Paths.of(kind).item

    @router.get(item, response_model=kind.model, summary=f"Read a {kind.name}")
    async def get(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        obj = await manager(context, kind).get(who, namespace, name)
        return json_response(obj.to_wire())

    @router.get(
        f"{item}/yaml",
        response_class=YAMLResponse,
        responses=TEXT_ERRORS,
        summary=f"Export a {kind.name} as YAML",
    )
    async def export_yaml(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        text = await manager(context, kind).export_yaml(who, namespace, name)
        disposition = f'attachment; filename="{name}.yaml"'
        return YAMLResponse(text, headers={"Content-Disposition": disposition})

    @router.get(f"{item}/events", response_model=EventList, summary=f"Events about a {kind.name}")
    async def events(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        records = await manager(context, kind).events(who, namespace, name)
        return json_response(
            {"apiVersion": "v1", "kind": "EventList", "items": [e.to_wire() for e in records]}
        )
