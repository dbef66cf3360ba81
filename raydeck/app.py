"""The composition root: ``create_app(settings)`` builds the store, platform, managers and API.

The CLI's ``up`` and ``serve`` run what it returns under uvicorn; tests build
it with a platform of their choosing. Starting and stopping the platform
happens in the app's lifespan, nowhere else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from raydeck import __version__
from raydeck.api.deps import AppContext
from raydeck.api.errors import install_error_handlers
from raydeck.api.routes import (
    configmaps,
    dashboard,
    health,
    monitoring,
    namespaces,
    rayclusters,
    rayjobs,
    rayservices,
)
from raydeck.errors import FieldError, InvalidInput
from raydeck.managers.monitoring import MonitoringManager
from raydeck.managers.objects import NamespaceManager, ObjectManager
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.prometheus import PrometheusSource
from raydeck.monitoring.sources import EmbeddedSource, MetricSource
from raydeck.platforms.base import Platform
from raydeck.platforms.kubernetes.platform import KubernetesPlatform
from raydeck.platforms.local.platform import LocalPlatform
from raydeck.resources.kinds import KINDS
from raydeck.settings import Settings
from raydeck.store.store import Store

log = logging.getLogger(__name__)
PlatformFactory = Callable[[Store, Settings], Platform]


def default_platform(store: Store, settings: Settings) -> Platform:
    if settings.platform == "local":
        return LocalPlatform(store, settings)
    if settings.platform == "kubernetes":
        return KubernetesPlatform(store, settings)
    raise InvalidInput(
        "the platform cannot be used",
        [
            FieldError(
                "platform", f"{settings.platform!r} is not available in this version; use 'local'"
            )
        ],
    )


def metric_source(settings: Settings) -> MetricSource:
    """Prometheus when a URL is configured, else raydeck's own sampling of Ray's endpoints."""
    config = settings.monitoring
    if config.prometheus_url:
        return PrometheusSource(config.prometheus_url)
    return EmbeddedSource(retention=config.retention_seconds, interval=config.sample_interval)


def create_app(
    settings: Settings,
    *,
    platform_factory: PlatformFactory = default_platform,
    stop_clusters_on_exit: bool = True,
) -> FastAPI:
    """The raydeck server. ``stop_clusters_on_exit`` is ``raydeck up``'s behaviour; ``serve`` clears it."""
    store = Store(settings.database_path)
    platform = platform_factory(store, settings)
    metrics = RaydeckMetrics()
    platform.instrument(metrics)
    monitor = MonitoringManager(
        store=store,
        platform=platform,
        source=metric_source(settings),
        settings=settings.monitoring,
        metrics=metrics,
    )
    context = AppContext(
        settings=settings,
        store=store,
        platform=platform,
        objects={k.plural: ObjectManager(kind=k, store=store, platform=platform) for k in KINDS},
        namespaces=NamespaceManager(store),
        monitoring=monitor,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        await platform.start()
        await monitor.start()
        proxy_client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
        app.state.proxy_client = proxy_client
        log.info(
            "raydeck %s: %s platform, data in %s", __version__, platform.name, settings.data_dir
        )
        try:
            yield
        finally:
            await proxy_client.aclose()
            await monitor.stop()
            await platform.shutdown(stop_clusters=stop_clusters_on_exit)
            await store.close()

    app = FastAPI(
        title="raydeck",
        version=__version__,
        lifespan=lifespan,
        description="Control plane for RayClusters, RayJobs and RayServices.",
    )
    app.state.context = context
    install_error_handlers(app)
    _time_requests(app, metrics)
    for router in (
        health.router,
        namespaces.router,
        rayclusters.router,
        rayjobs.router,
        rayservices.router,
        configmaps.router,
        monitoring.router,
        dashboard.router,
    ):
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app


def _time_requests(app: FastAPI, metrics: RaydeckMetrics) -> None:
    """Observe every request's latency under its route template (never the raw path)."""

    @app.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            metrics.observe_request(
                method=request.method,
                route=getattr(route, "path", "unmatched"),
                status=status,
                seconds=time.perf_counter() - started,
            )
