"""The console driven by NiceGUI's simulated user, over the in-memory platform (tier 2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from raydeck.console.context import ConsoleContext
from raydeck.console.root import build_root
from raydeck.managers.objects import NamespaceManager, ObjectManager
from raydeck.resources.kinds import KINDS
from raydeck.settings import Settings
from raydeck.store.store import Store
from tests.support.memory_platform import MemoryPlatform


@dataclass
class Console:
    user: User
    context: ConsoleContext


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Console]:
    store = Store(settings.database_path)
    await store.open()
    platform = MemoryPlatform(store)
    context = ConsoleContext(
        settings=settings,
        objects={k.plural: ObjectManager(kind=k, store=store, platform=platform) for k in KINDS},
        namespaces=NamespaceManager(store),
    )
    try:
        async with user_simulation(root=build_root(context)) as user:
            yield Console(user, context)
    finally:
        await store.close()
