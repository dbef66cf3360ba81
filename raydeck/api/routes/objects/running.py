"""The routes of kinds that run (RayClusters, RayJobs, RayServices): start and stop, pods,
endpoints, logs, and templates (saving one, instantiating one).

``object_router`` adds them only for runnable kinds; ConfigMaps are data and have none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import PlainTextResponse, StreamingResponse

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.common import TEXT_ERRORS
from raydeck.api.models.objects import Endpoints, NewInstance, NewName, PodList
from raydeck.api.responses import json_response
from raydeck.api.routes.objects.params import NamespacePath, Paths, manager
from raydeck.api.routes.objects.writes import answer
from raydeck.resources.kinds import Kind


def add_start_stop(router: APIRouter, kind: Kind) -> None:
    item = Paths.of(kind).item

    @router.post(
        f"{item}/start",
        response_model=kind.model,
        summary=f"Start a {kind.name} (spec.suspend: false)",
    )
    async def start(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return await answer(manager(context, kind).start(who, namespace, name))

    @router.post(
        f"{item}/stop",
        response_model=kind.model,
        summary=f"Stop a {kind.name} (RayCluster: spec.suspend: true; RayJob: stop its Ray job)",
    )
    async def stop(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response((await manager(context, kind).stop(who, namespace, name)).to_wire())


def add_what_runs(router: APIRouter, kind: Kind) -> None:
    item = Paths.of(kind).item

    @router.get(
        f"{item}/pods",
        response_model=PodList,
        summary=f"Pods (local: node processes) of a {kind.name}",
    )
    async def pods(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        found = await manager(context, kind).pods(who, namespace, name)
        return json_response({"items": [p.to_wire() for p in found]})

    @router.get(
        f"{item}/endpoints",
        response_model=Endpoints,
        summary=f"URLs of a {kind.name}: 'serve' (a RayService's stable endpoint) and 'dashboard'",
    )
    async def endpoints(
        context: ContextDep, who: PrincipalDep, namespace: NamespacePath, name: str
    ) -> Response:
        return json_response(await manager(context, kind).endpoints(who, namespace, name))


def add_logs(router: APIRouter, kind: Kind) -> None:
    @router.get(
        f"{Paths.of(kind).item}/logs",
        response_class=PlainTextResponse,
        responses=TEXT_ERRORS,
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
        lines = await manager(context, kind).logs(
            who, namespace, name, pod=pod, tail=tail, follow=follow
        )
        first = await anext(aiter(lines), None)  # raise NotFound before the stream starts
        if not follow:
            rest = [line async for line in lines]
            return PlainTextResponse("".join([first or "", *rest]))
        return StreamingResponse(_prepend(first, lines), media_type="text/plain")


def add_templates(router: APIRouter, kind: Kind) -> None:
    item = Paths.of(kind).item

    @router.post(
        f"{item}/template",
        status_code=201,
        response_model=kind.model,
        summary=f"Save a {kind.name} as a template",
    )
    async def save_template(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
        new: Annotated[NewName, Body()],
    ) -> Response:
        saved = await manager(context, kind).save_as_template(
            who, namespace, name, template_name=new.name
        )
        return json_response(saved.to_wire(), 201)

    @router.post(
        f"{item}/instances",
        status_code=201,
        response_model=kind.model,
        summary=f"Create (and start) a {kind.name} from a template",
    )
    async def instantiate(
        context: ContextDep,
        who: PrincipalDep,
        namespace: NamespacePath,
        name: str,
        new: Annotated[NewInstance, Body()],
    ) -> Response:
        created = manager(context, kind).instantiate(
            who, namespace, name, name=new.name, suspend=new.suspend
        )
        return await answer(created, 201)


async def _prepend(first: str | None, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    if first is not None:
        yield first
    async for line in rest:
        yield line
