"""Named dependencies of the API routes: the app context and the calling user.

``create_app`` puts an ``AppContext`` on ``app.state``; routes ask for it with
``ContextDep`` and never build managers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from raydeck.managers.monitoring import MonitoringManager
from raydeck.managers.objects import NamespaceManager, ObjectManager
from raydeck.platforms.base import Platform
from raydeck.settings import Settings
from raydeck.store.store import Store


@dataclass
class AppContext:
    settings: Settings
    store: Store
    platform: Platform
    objects: dict[str, ObjectManager]
    namespaces: NamespaceManager
    monitoring: MonitoringManager


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def current_user(request: Request) -> str:
    """The caller; until users and logins exist it is the configured local user."""
    return get_context(request).settings.local_user


async def authorize_dashboard(request: Request, namespace: str, name: str) -> None:
    """The one authorization hook of the Ray Dashboard proxy: raise to refuse the caller.

    Until users and roles exist every caller of this raydeck may see every dashboard (as every
    caller may use the whole API); the auth work replaces this body, not its callers.
    """
    current_user(request)


ContextDep = Annotated[AppContext, Depends(get_context)]
UserDep = Annotated[str, Depends(current_user)]
DashboardAccessDep = Annotated[None, Depends(authorize_dashboard)]
