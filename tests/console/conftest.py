"""The console driven by NiceGUI's simulated user over a full raydeck app on the in-memory platform.

The app is the real one (store, managers, users) with its console left unmounted;
the simulated user opens the console's root built over the same managers, with
a real session cookie from ``AuthManager.login``, as the login page would get.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from raydeck.app import create_app
from raydeck.console.root import build_root
from raydeck.managers.access import Principal
from raydeck.managers.context import SESSION_COOKIE, AppContext
from raydeck.platforms.admission import Capacity
from raydeck.resources.kinds import Kind
from raydeck.settings import Settings
from tests.support.auth import ADMIN_PASSWORD
from tests.support.memory_platform import MemoryPlatform


@dataclass
class Console:
    user: User
    context: AppContext
    admin: Principal

    def manager(self, kind: Kind):  # type: ignore[no-untyped-def]
        return self.context.manager(kind)

    async def log_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
        issued = await self.context.auth.login(username, password, client="test", kind="session")
        self.user.http_client.cookies.set(SESSION_COOKIE, issued.secret)

    def log_out(self) -> None:
        self.user.http_client.cookies.clear()


#: NiceGUI's simulated user looks 3 times, 0.1 s apart; a loaded 2-core CI machine hashing
#: passwords with argon2 needs longer. Looking longer never makes a failing check pass.
PATIENCE = 50


@pytest.fixture
def console_capacity() -> Capacity | None:
    """The machine the in-memory platform admits clusters to; None: every cluster runs."""
    return None


@pytest.fixture
async def anonymous_console(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, console_capacity: Capacity | None
) -> AsyncIterator[Console]:
    """The console before anybody logged in."""
    should_see, should_not_see = User.should_see, User.should_not_see

    async def patient_see(self: User, *args: Any, retries: int = PATIENCE, **kw: Any) -> None:
        await should_see(self, *args, retries=retries, **kw)

    async def patient_not_see(self: User, *args: Any, retries: int = PATIENCE, **kw: Any) -> None:
        await should_not_see(self, *args, retries=retries, **kw)

    monkeypatch.setattr(User, "should_see", patient_see)
    monkeypatch.setattr(User, "should_not_see", patient_not_see)
    app = create_app(
        settings,
        platform_factory=lambda store, _s: MemoryPlatform(store, capacity=console_capacity),
    )
    async with app.router.lifespan_context(app):
        context: AppContext = app.state.context
        admin = await context.auth.admin_principal()
        async with user_simulation(root=build_root(context)) as user:
            yield Console(user, context, admin)


@pytest.fixture
async def console(anonymous_console: Console) -> Console:
    """The console with ``admin`` logged in."""
    await anonymous_console.log_in()
    return anonymous_console
