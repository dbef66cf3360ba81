"""What every console page needs: the managers, and who is using the page.

``ConsoleContext`` is made once per app. A ``ConsoleSession`` is made for each
page a browser opens, from the session cookie that ``POST /api/v1/session`` set;
every action on the page asks it for the acting principal again, so a session
that expires or is revoked stops working at the next click, not at the next
reload.
"""

from __future__ import annotations

from dataclasses import dataclass

from raydeck.errors import Unauthorized
from raydeck.managers.access import Principal
from raydeck.managers.auth import AuthManager
from raydeck.managers.monitoring import MonitoringManager
from raydeck.managers.namespaces import NamespaceManager
from raydeck.managers.objects import ObjectManager
from raydeck.managers.quotas import QuotaManager
from raydeck.resources.kinds import Kind
from raydeck.settings import Settings

#: The cookie ``POST /api/v1/session`` sets; the console reads it, never writes it.
SESSION_COOKIE = "raydeck_session"


@dataclass
class ConsoleContext:
    settings: Settings
    objects: dict[str, ObjectManager]
    namespaces: NamespaceManager
    auth: AuthManager
    monitoring: MonitoringManager
    quotas: QuotaManager

    def manager(self, kind: Kind) -> ObjectManager:
        return self.objects[kind.plural]

    async def session(self, cookie: str | None) -> ConsoleSession | None:
        """The session a browser's cookie stands for; ``None`` when it must log in."""
        if not cookie:
            return None
        try:
            principal = await self.auth.authenticate(cookie, via="session")
        except Unauthorized:
            return None
        return ConsoleSession(self, principal, cookie)


class ConsoleSession:
    """One open page: the app's managers and the user it acts for."""

    def __init__(self, context: ConsoleContext, principal: Principal, secret: str) -> None:
        self.context = context
        self.principal = principal
        self._secret = secret

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def user(self) -> str:
        return self.principal.username

    def manager(self, kind: Kind) -> ObjectManager:
        return self.context.manager(kind)

    async def actor(self) -> Principal:
        """The principal for an action now; raises ``Unauthorized`` once the session has ended."""
        self.principal = await self.context.auth.authenticate(self._secret, via="session")
        return self.principal

    async def logout(self) -> None:
        await self.context.auth.logout(await self.actor())
