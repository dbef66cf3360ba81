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
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from raydeck import __version__
from raydeck.api.deps import authenticated
from raydeck.api.errors import install_error_handlers
from raydeck.api.headers import SecurityHeaders
from raydeck.api.limits import BodyLimit
from raydeck.api.routes import (
    audit,
    auth,
    configmaps,
    dashboard,
    health,
    monitoring,
    namespaces,
    rayclusters,
    rayjobs,
    rayservices,
    secrets,
    unsupported,
    users,
)
from raydeck.console.mount import mount as mount_console
from raydeck.errors import FieldError, InvalidInput, NotFound
from raydeck.managers.audit import AuditLog
from raydeck.managers.auth import AuthManager
from raydeck.managers.context import AppContext
from raydeck.managers.dashboard_access import DashboardCapabilities
from raydeck.managers.monitoring import MonitoringManager
from raydeck.managers.namespaces import NamespaceManager
from raydeck.managers.objects import ObjectManager
from raydeck.managers.quotas import QuotaManager
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.prometheus import PrometheusSource
from raydeck.monitoring.sources import EmbeddedSource, MetricSource
from raydeck.platforms.admission import AdmissionQueue, capacity_from
from raydeck.platforms.base import Platform
from raydeck.platforms.kubernetes.platform import KubernetesPlatform
from raydeck.platforms.local.platform import LocalPlatform
from raydeck.resources.kinds import KINDS
from raydeck.settings import Settings
from raydeck.store.store import Store

log = logging.getLogger(__name__)
PlatformFactory = Callable[[Store, Settings], Platform]
#: Called once the server is up with a fresh token of the ``admin`` user (``raydeck up``
#: stores it in the CLI config so the local user's CLI works without logging in).
AdminTokenSink = Callable[[str], None]
#: Routers anyone may call: logging in, and the liveness probe.
PUBLIC_ROUTERS: tuple[APIRouter, ...] = (
    auth.public_router,
    health.router,
    monitoring.public_router,
    # Authorized by the capability in its path, never by a cookie (see routes/dashboard.py);
    # listed before the guarded dashboard routes so that its paths match here first.
    dashboard.capability_router,
)
#: Every other router; each route in them requires a token or session (401 otherwise).
GUARDED_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    users.router,
    audit.router,
    namespaces.router,
    rayclusters.router,
    rayjobs.router,
    rayservices.router,
    configmaps.router,
    secrets.router,
    monitoring.router,
    dashboard.router,
    unsupported.router,  # after every kind's routes: it takes any other plural
)


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
    admin_token_sink: AdminTokenSink | None = None,
    first_start_hint: str | None = None,
) -> FastAPI:
    """The raydeck server. ``stop_clusters_on_exit`` is ``raydeck up``'s behaviour; ``serve`` clears it.
    ``first_start_hint`` (what to try next) is printed with admin's password on the first start."""
    store = Store(settings.database_path)
    platform = platform_factory(store, settings)
    metrics = RaydeckMetrics()
    platform.instrument(metrics)
    context = _context(settings, store, platform, metrics)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        await _first_start(context, admin_token_sink, first_start_hint)
        await platform.start()
        await context.monitoring.start()
        proxy_client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
        app.state.proxy_client = proxy_client
        log.info(
            "raydeck %s: %s platform, data in %s", __version__, platform.name, settings.data_dir
        )
        try:
            yield
        finally:
            await proxy_client.aclose()
            await context.monitoring.stop()
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
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # added last, so outermost: before anything reads a body
    _routes(app, context)
    return app


def _context(
    settings: Settings, store: Store, platform: Platform, metrics: RaydeckMetrics
) -> AppContext:
    """Every manager, over one store, one platform and one audit log."""
    audit_log = AuditLog(store)
    return AppContext(
        settings=settings,
        store=store,
        platform=platform,
        objects={
            k.plural: ObjectManager(kind=k, store=store, platform=platform, audit=audit_log)
            for k in KINDS
        },
        namespaces=NamespaceManager(store, platform, audit_log),
        auth=AuthManager(store=store, settings=settings.auth, audit=audit_log),
        audit=audit_log,
        quotas=QuotaManager(
            store=store,
            platform=platform,
            admission=platform.admission or AdmissionQueue(store, capacity_from(settings.local)),
            audit=audit_log,
        ),
        monitoring=MonitoringManager(
            store=store,
            platform=platform,
            source=metric_source(settings),
            settings=settings.monitoring,
            metrics=metrics,
        ),
        dashboard_access=DashboardCapabilities(store),
    )


def _routes(app: FastAPI, context: AppContext) -> None:
    """The API's routers (guarded ones behind authentication), then the console or, without
    it, a redirect from ``/`` to the API's documentation."""
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in GUARDED_ROUTERS:
        app.include_router(router, dependencies=[Depends(authenticated)])
    _unknown_api_paths(app)
    if context.settings.console:
        mount_console(app, context)
        return

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")


def _unknown_api_paths(app: FastAPI) -> None:
    """Any other ``/api/...`` path is a 404 ``Status``, never the console's page (which would
    answer every path with 200 and HTML). Included after every router, so it matches last."""

    @app.api_route(
        "/api/{path:path}",
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def unknown(request: Request) -> Response:
        raise NotFound(f"no API route {request.method} {request.url.path}; see /docs for them")


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


async def _first_start(
    context: AppContext, admin_token_sink: AdminTokenSink | None, hint: str | None
) -> None:
    """Create ``admin`` on the first start (printing a generated password once)."""
    secret = context.settings.admin_password
    generated = await context.auth.ensure_admin(secret.get_secret_value() if secret else None)
    if generated:
        # Printed, not logged: it must reach the person starting raydeck, once, and no log file.
        print(
            f"raydeck created the user 'admin' with the password: {generated}\n"
            "It is shown only this once; change it with `raydeck passwd` or set "
            "RAYDECK_ADMIN_PASSWORD before the first start." + (f"\n{hint}" if hint else ""),
            flush=True,
        )
    if admin_token_sink is not None:
        admin = await context.auth.admin_principal()
        issued = await context.auth.issue_token(
            admin, description="raydeck up (local CLI)", replace_same=True
        )
        admin_token_sink(issued.secret)
