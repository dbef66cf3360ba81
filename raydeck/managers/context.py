"""The app's one context: its settings, store, platform and managers, built once by ``create_app``.

The API reaches it through ``api.deps`` and the console through each page's session;
both sit above the managers, so it lives here, where both may import it. It only
holds what was built: it builds nothing and decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from raydeck.managers.audit import AuditLog
from raydeck.managers.auth import AuthManager
from raydeck.managers.dashboard_access import DashboardCapabilities
from raydeck.managers.monitoring import MonitoringManager
from raydeck.managers.namespaces import NamespaceManager
from raydeck.managers.objects import ObjectManager
from raydeck.managers.quotas import QuotaManager
from raydeck.platforms.base import Platform
from raydeck.resources.kinds import Kind
from raydeck.settings import Settings
from raydeck.store.store import Store

#: The cookie ``POST /api/v1/session`` sets for the console; the API and console read it.
SESSION_COOKIE = "raydeck_session"


@dataclass
class AppContext:
    settings: Settings
    store: Store
    platform: Platform
    #: One manager per kind, by URL plural.
    objects: dict[str, ObjectManager]
    namespaces: NamespaceManager
    monitoring: MonitoringManager
    auth: AuthManager
    audit: AuditLog
    quotas: QuotaManager
    dashboard_access: DashboardCapabilities

    def manager(self, kind: Kind) -> ObjectManager:
        return self.objects[kind.plural]
