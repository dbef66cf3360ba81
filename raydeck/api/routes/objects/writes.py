"""The writing routes of a kind: create, replace, patch, delete one, delete several.

Bodies are whole objects (JSON or YAML, ``api/body.py``), validated by the kind's manager;
every written object is answered with the warnings its write gave.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from raydeck.api.body import object_body, read_object
from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.objects import DeleteResults
from raydeck.api.responses import json_response
from raydeck.api.routes.objects.params import NamespacePath, ObjectType, Paths, manager, split
from raydeck.managers.warnings import collected, header_value
from raydeck.resources.kinds import Kind
from raydeck.store.records import StoredObject


async def answer(write: Awaitable[StoredObject], status_code: int = 200) -> Response:
    """The written object, with a ``Warning`` header for each warning the write gave (as the
    Kubernetes API server answers, so kubectl-style clients print them)."""
    with collected() as warnings:
        obj = await write
    response = json_response(obj.to_wire(), status_code)
    for text in warnings:
        response.headers.append("Warning", header_value(text))
    return response


def add_writes(router: APIRouter, kind: Kind) -> None:
    paths = Paths.of(kind)

    @router.post(
        paths.base,
        status_code=201,
        response_model=kind.model,
        openapi_extra=object_body(kind),
        summary=f"Create a {kind.name} (deployed), or save a template with type=template",
    )
    async def create(
        request: Request,
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        type: ObjectType = "instance",
    ) -> Response:
        body = await read_object(request)
        template = type == "template"
        return await answer(
            manager(context, kind).create(who, namespace, body, as_template=template), 201
        )

    @router.put(
        paths.item,
        response_model=kind.model,
        openapi_extra=object_body(kind),
        summary=f"Replace a {kind.name}",
    )
    async def replace(
        request: Request,
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
    ) -> Response:
        body = await read_object(request)
        return await answer(manager(context, kind).replace(who, namespace, name, body))

    @router.patch(
        paths.item,
        response_model=kind.model,
        openapi_extra=object_body(kind, patch=True),
        summary=f"Change a {kind.name} with a JSON merge patch",
    )
    async def patch(
        request: Request,
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
    ) -> Response:
        body = await read_object(request)
        return await answer(manager(context, kind).patch(who, namespace, name, body))


def add_deletes(router: APIRouter, kind: Kind) -> None:
    paths = Paths.of(kind)

    @router.delete(
        paths.base,
        response_model=DeleteResults,
        summary=f"Delete several {kind.plural}; reports the outcome per name",
    )
    async def delete_many(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: Annotated[list[str], Query(min_length=1)],
    ) -> Response:
        outcomes = await manager(context, kind).delete_many(who, namespace, list(split(name)))
        return json_response({"results": [o.to_wire() for o in outcomes]})

    @router.delete(
        paths.item,
        response_model=kind.model,
        summary=f"Delete a {kind.name} (a running one must be stopped first)",
    )
    async def delete(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response((await manager(context, kind).delete(who, namespace, name)).to_wire())
