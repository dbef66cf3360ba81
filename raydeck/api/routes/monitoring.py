"""Monitoring routes: the overview, a cluster's metrics and health, and raydeck's own ``/metrics``.

Handlers validate the range and call ``MonitoringManager``; the math lives in
``raydeck.monitoring``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.responses import json_response
from raydeck.monitoring.own_metrics import CONTENT_TYPE

router = APIRouter(tags=["monitoring"])
#: ``/metrics`` answers without a token, as Prometheus scrapes it: counts and latencies only.
public_router = APIRouter(tags=["monitoring"])
RangeQuery = Annotated[str, Query(description="10m, 30m or 1h")]
CLUSTER = "/api/v1/namespaces/{namespace}/rayclusters/{name}"


@router.get("/api/v1/overview", summary="Counts, allocated and used resources across clusters")
async def overview(
    context: ContextDep,
    who: PrincipalDep,
    range: RangeQuery = "10m",
    namespace: Annotated[str | None, Query(description="Only this namespace")] = None,
) -> Response:
    """Only the namespaces the caller may see count; a namespace not granted is not found."""
    if namespace is not None:
        who.require_read(namespace)
        await context.store.get_namespace(namespace)
    visible = who.visible_filter()
    return json_response(
        (await context.monitoring.overview(range, namespace=namespace, visible=visible)).to_wire()
    )


@router.get(f"{CLUSTER}/metrics", summary="Per-node series of a RayCluster (CPU, memory, …)")
async def cluster_metrics(
    context: ContextDep, namespace: str, name: str, range: RangeQuery = "10m"
) -> Response:
    await context.store.get_namespace(namespace)
    return json_response(
        (await context.monitoring.cluster_metrics(namespace, name, range)).to_wire()
    )


@router.get(f"{CLUSTER}/health", summary="GCS, node and API health of a running RayCluster")
async def cluster_health(context: ContextDep, namespace: str, name: str) -> Response:
    await context.store.get_namespace(namespace)
    return json_response((await context.monitoring.health(namespace, name)).to_wire())


@public_router.get("/metrics", summary="raydeck's own metrics (Prometheus text format)")
async def own_metrics(context: ContextDep) -> Response:
    await context.monitoring.refresh_resource_gauges()
    return Response(context.monitoring.metrics.render(), media_type=CONTENT_TYPE)
