"""Use cases on namespaces: list and read what the caller was granted; platform admins create and delete.

Namespaces live where the platform keeps them (the store locally, the API server
on Kubernetes); reads come from the store, which mirrors them. Answers are
``NamespaceRecord``s; the API sends their ``to_wire()`` (a core/v1 Namespace).
"""

from __future__ import annotations

from raydeck.errors import InvalidInput
from raydeck.managers.access import Principal
from raydeck.managers.audit import AuditLog
from raydeck.platforms.base import Platform
from raydeck.resources.validation.common import check_namespace_name
from raydeck.store.records import NamespaceRecord
from raydeck.store.store import Store


class NamespaceManager:
    def __init__(self, store: Store, platform: Platform, audit: AuditLog) -> None:
        self._store = store
        self._platform = platform
        self._audit = audit

    async def list(self, actor: Principal) -> list[NamespaceRecord]:
        return [n for n in await self._store.list_namespaces() if actor.sees(n.name)]

    async def get(self, actor: Principal, name: str) -> NamespaceRecord:
        actor.require_read(name)
        return await self._store.get_namespace(name)

    async def create(self, actor: Principal, name: str) -> NamespaceRecord:
        actor.require_admin("create namespaces")
        errors = check_namespace_name(name, "metadata.name")
        if errors:
            raise InvalidInput("the namespace is invalid", errors)
        created = await self._platform.create_namespace(name)
        await self._audit.record(actor.username, "create", kind="Namespace", name=name)
        return created

    async def delete(self, actor: Principal, name: str) -> None:
        actor.require_read(name)
        actor.require_admin("delete namespaces")
        await self._platform.delete_namespace(name)
        await self._audit.record(actor.username, "delete", kind="Namespace", name=name)
