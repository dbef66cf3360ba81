"""The composition root: ``create_app(settings)`` builds the store, platform, managers and API.

The CLI's ``up`` and ``serve`` run what it returns under uvicorn; tests build
it with a platform of their choosing. Starting and stopping the platform
happens in the app's lifespan, nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from raydeck import __version__
from raydeck.api.deps import AppContext
from raydeck.api.errors import install_error_handlers
from raydeck.api.routes import (
    configmaps,
    health,
    namespaces,
    rayclusters,
    rayjobs,
    rayservices,
)
from raydeck.console.context import ConsoleContext
from raydeck.console.mount import mount as mount_console
from raydeck.errors import FieldError, InvalidInput
from raydeck.managers.objects import NamespaceManager, ObjectManager
from raydeck.platforms.base import Platform
from raydeck.platforms.local.platform import LocalPlatform
from raydeck.resources.kinds import KINDS
from raydeck.settings import Settings
from raydeck.store.store import Store

log = logging.getLogger(__name__)
PlatformFactory = Callable[[Store, Settings], Platform]


def default_platform(store: Store, settings: Settings) -> Platform:
    if settings.platform == "local":
        return LocalPlatform(store, settings)
    raise InvalidInput(
        "the platform cannot be used",
        [
            FieldError(
                "platform", f"{settings.platform!r} is not available in this version; use 'local'"
            )
        ],
    )


def create_app(
    settings: Settings,
    *,
    platform_factory: PlatformFactory = default_platform,
    stop_clusters_on_exit: bool = True,
) -> FastAPI:
    """The raydeck server. ``stop_clusters_on_exit`` is ``raydeck up``'s behaviour; ``serve`` clears it."""
    store = Store(settings.database_path)
    platform = platform_factory(store, settings)
    context = AppContext(
        settings=settings,
        store=store,
        platform=platform,
        objects={k.plural: ObjectManager(kind=k, store=store, platform=platform) for k in KINDS},
        namespaces=NamespaceManager(store),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        await platform.start()
        log.info(
            "raydeck %s: %s platform, data in %s", __version__, platform.name, settings.data_dir
        )
        try:
            yield
        finally:
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
    for router in (
        health.router,
        namespaces.router,
        rayclusters.router,
        rayjobs.router,
        rayservices.router,
        configmaps.router,
    ):
        app.include_router(router)

    if settings.console:
        mount_console(
            app,
            ConsoleContext(
                settings=settings, objects=context.objects, namespaces=context.namespaces
            ),
        )
    else:

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app
