"""Monitoring routes: the overview, a cluster's metrics and health, and raydeck's own ``/metrics``.

Handlers validate the range and call ``MonitoringManager``; the math lives in
``raydeck.monitoring``. The bodies are sent as the manager composes them (``json_response``);
their ``response_model``s document them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from raydeck.api.deps import ContextDep, PrincipalDep
from raydeck.api.models.common import ERRORS, TEXT_ERRORS
from raydeck.api.models.monitoring import ClusterHealth, ClusterMetrics
from raydeck.api.responses import json_response
from raydeck.monitoring.bodies import OverviewBody
from raydeck.monitoring.own_metrics import CONTENT_TYPE

router = APIRouter(tags=["monitoring"], responses=ERRORS)
#: ``/metrics`` answers without a token, as Prometheus scrapes it: counts and latencies only.
public_router = APIRouter(tags=["monitoring"], responses=ERRORS)


class PrometheusText(PlainTextResponse):
    """Prometheus' text exposition format, as ``/metrics`` answers and documents it."""

    media_type = CONTENT_TYPE


RangeQuery = Annotated[str, Query(description="10m, 30m or 1h")]
CLUSTER = "/api/v1/namespaces/{namespace}/rayclusters/{name}"


@router.get(
    "/api/v1/overview",
    response_model=OverviewBody,
    summary="Counts, allocated and used resources across clusters",
)
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


@router.get(
    f"{CLUSTER}/metrics",
    response_model=ClusterMetrics,
    summary="Per-node series of a RayCluster (CPU, memory, …)",
)
async def cluster_metrics(
    context: ContextDep, namespace: str, name: str, range: RangeQuery = "10m"
) -> Response:
    await context.store.get_namespace(namespace)
    return json_response(
        (await context.monitoring.cluster_metrics(namespace, name, range)).to_wire()
    )


@router.get(
    f"{CLUSTER}/health",
    response_model=ClusterHealth,
    summary="GCS, node and API health of a running RayCluster",
)
async def cluster_health(context: ContextDep, namespace: str, name: str) -> Response:
    await context.store.get_namespace(namespace)
    return json_response((await context.monitoring.health(namespace, name)).to_wire())


@public_router.get(
    "/metrics",
    response_class=PrometheusText,
    responses=TEXT_ERRORS,
    summary="raydeck's own metrics (Prometheus text format)",
)
async def own_metrics(context: ContextDep) -> Response:
    await context.monitoring.refresh_resource_gauges()
    return PrometheusText(context.monitoring.metrics.render())
