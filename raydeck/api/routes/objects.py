"""The REST routes every kind shares, shaped like the Kubernetes API, built once per kind.

``routes/rayclusters.py`` (and later rayjobs, rayservices) call ``object_router``.
Handlers read the request, call the kind's manager and return what it gives;
rules live in the manager.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from raydeck.api.body import OBJECT_BODY, read_object
from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.responses import json_response
from raydeck.managers.objects import ObjectManager
from raydeck.managers.warnings import collected, header_value
from raydeck.resources.kinds import Kind
from raydeck.store.records import ListPage, ListQuery, StoredObject

NamespacePath = Annotated[str, Field(min_length=1, max_length=63)]
Listed = Annotated[list[str] | None, Query()]


class NewName(BaseModel):
    name: str = Field(min_length=1, description="Name of the object to create")


class NewInstance(NewName):
    suspend: bool = Field(default=False, description="Create it stopped")


def _split(values: list[str] | None) -> tuple[str, ...]:
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
        type: Literal["template", "instance"] | None = None,
        creator: Listed = None,
        selector: Annotated[str, Query(description="Label selector")] = "",
        limit: Annotated[int, Query(ge=0, le=1000)] = 0,
        continue_: Annotated[str | None, Query(alias="continue")] = None,
    ) -> None:
        self.search, self.sort, self.selector = search, sort, selector
        self.status, self.ray_version, self.creator = (
            _split(status),
            _split(ray_version),
            _split(creator),
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


def object_router(kind: Kind) -> APIRouter:
    router = APIRouter(tags=[kind.plural])
    base = f"/api/v1/namespaces/{{namespace}}/{kind.plural}"
    item = f"{base}/{{name}}"

    def manager(context: ContextDep) -> ObjectManager:
        return context.objects[kind.plural]

    def list_wire(page: ListPage) -> dict[str, Any]:
        return {
            "apiVersion": "ray.io/v1",
            "kind": f"{kind.name}List",
            "items": [o.to_wire() for o in page.items],
            "continue": page.continue_token,
            "total": page.total,
            "closeMatches": page.close_matches,
        }

    async def list_objects(
        context: ContextDep, who: PrincipalDep, namespace: str | None, params: ListParams
    ) -> Response:
        query = params.query(kind.name, namespace)
        return json_response(list_wire(await manager(context).list_objects(who, query)))

    @router.get(
        f"/api/v1/{kind.plural}",
        summary=f"List {kind.plural} in all namespaces the caller may see",
    )
    async def list_all(context: ContextDep, who: PrincipalDep, params: ListParamsDep) -> Response:
        return await list_objects(context, who, None, params)

    @router.get(base, summary=f"List {kind.plural} in a namespace")
    async def list_namespaced(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, params: ListParamsDep
    ) -> Response:
        return await list_objects(context, who, namespace, params)

    @router.post(
        base,
        status_code=201,
        openapi_extra=OBJECT_BODY,
        summary=f"Create a {kind.name} (deployed), or save a template with type=template",
    )
    async def create(
        request: Request,
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        type: Literal["template", "instance"] = "instance",
    ) -> Response:
        body = await read_object(request)
        return await _answer(
            manager(context).create(who, namespace, body, as_template=type == "template"), 201
        )

    @router.delete(base, summary=f"Delete several {kind.plural}; reports the outcome per name")
    async def delete_many(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: Annotated[list[str], Query(min_length=1)],
    ) -> Response:
        outcomes = await manager(context).delete_many(who, namespace, list(_split(name)))
        return json_response({"results": [o.to_wire() for o in outcomes]})

    @router.get(item, summary=f"Read a {kind.name}")
    async def get(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response((await manager(context).get(who, namespace, name)).to_wire())

    @router.put(item, openapi_extra=OBJECT_BODY, summary=f"Replace a {kind.name}")
    async def replace(
        request: Request,
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
    ) -> Response:
        body = await read_object(request)
        return await _answer(manager(context).replace(who, namespace, name, body))

    @router.patch(
        item, openapi_extra=OBJECT_BODY, summary=f"Change a {kind.name} with a JSON merge patch"
    )
    async def patch(
        request: Request,
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
    ) -> Response:
        body = await read_object(request)
        return await _answer(manager(context).patch(who, namespace, name, body))

    @router.delete(item, summary=f"Delete a {kind.name} (a running one must be stopped first)")
    async def delete(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response((await manager(context).delete(who, namespace, name)).to_wire())

    @router.post(f"{item}/start", summary=f"Start a {kind.name} (spec.suspend: false)")
    async def start(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return await _answer(manager(context).start(who, namespace, name))

    @router.post(
        f"{item}/stop",
        summary=f"Stop a {kind.name} (RayCluster: spec.suspend: true; RayJob: stop its Ray job)",
    )
    async def stop(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response((await manager(context).stop(who, namespace, name)).to_wire())

    @router.get(
        f"{item}/yaml", response_class=PlainTextResponse, summary=f"Export a {kind.name} as YAML"
    )
    async def export_yaml(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        text = await manager(context).export_yaml(who, namespace, name)
        return PlainTextResponse(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'},
        )

    @router.get(f"{item}/events", summary=f"Events about a {kind.name}")
    async def events(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        records = await manager(context).events(who, namespace, name)
        return json_response(
            {"apiVersion": "v1", "kind": "EventList", "items": [e.to_wire() for e in records]}
        )

    @router.get(f"{item}/pods", summary=f"Pods (local: node processes) of a {kind.name}")
    async def pods(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response(
            {"items": [p.to_wire() for p in await manager(context).pods(who, namespace, name)]}
        )

    @router.get(
        f"{item}/endpoints",
        summary=f"URLs of a {kind.name}: 'serve' (a RayService's stable endpoint) and 'dashboard'",
    )
    async def endpoints(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response(await manager(context).endpoints(who, namespace, name))

    @router.get(
        f"{item}/logs",
        response_class=PlainTextResponse,
        summary="Log of a pod (the head by default); follow=true streams new lines",
    )
    async def logs(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
        pod: str | None = None,
        tail: Annotated[int | None, Query(ge=0)] = None,
        follow: bool = False,
    ) -> Response:
        lines = await manager(context).logs(who, namespace, name, pod=pod, tail=tail, follow=follow)
        first = await anext(aiter(lines), None)  # raise NotFound before the stream starts
        if not follow:
            rest = [line async for line in lines]
            return PlainTextResponse("".join([first or "", *rest]))
        return StreamingResponse(_prepend(first, lines), media_type="text/plain")

    @router.post(f"{item}/template", status_code=201, summary=f"Save a {kind.name} as a template")
    async def save_template(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
        new: Annotated[NewName, Body()],
    ) -> Response:
        obj = await manager(context).save_as_template(who, namespace, name, template_name=new.name)
        return json_response(obj.to_wire(), 201)

    @router.post(
        f"{item}/instances",
        status_code=201,
        summary=f"Create (and start) a {kind.name} from a template",
    )
    async def instantiate(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
        new: Annotated[NewInstance, Body()],
    ) -> Response:
        return await _answer(
            manager(context).instantiate(who, namespace, name, name=new.name, suspend=new.suspend),
            201,
        )

    if not kind.runnable:
        router.routes[:] = [r for r in router.routes if not _runs_only(getattr(r, "path", ""))]
    return router


#: Routes that only make sense for kinds that run (RayClusters, RayJobs, RayServices).
_RUNTIME_SUFFIXES = (
    "/start",
    "/stop",
    "/pods",
    "/endpoints",
    "/logs",
    "/template",
    "/instances",
)


def _runs_only(path: str) -> bool:
    return path.endswith(_RUNTIME_SUFFIXES)


async def _answer(write: Awaitable[StoredObject], status_code: int = 200) -> Response:
    """The written object, with a ``Warning`` header for each warning the write gave (as the
    Kubernetes API server answers, so kubectl-style clients print them)."""
    with collected() as warnings:
        obj = await write
    response = json_response(obj.to_wire(), status_code)
    for text in warnings:
        response.headers.append("Warning", header_value(text))
    return response


async def _prepend(first: str | None, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    if first is not None:
        yield first
    async for line in rest:
        yield line
