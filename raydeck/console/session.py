"""Who is using a console page: the app's context and the user a page acts for.

``open_session`` makes a ``ConsoleSession`` for each page a browser opens, from
the session cookie that ``POST /api/v1/session`` set; every action on the page
asks it for the acting principal again, so a session that expires or is revoked
stops working at the next click, not at the next reload. The console never
writes the cookie.
"""

from __future__ import annotations

from raydeck.errors import Unauthorized
from raydeck.managers.access import Principal
from raydeck.managers.context import AppContext
from raydeck.managers.objects import ObjectManager
from raydeck.resources.kinds import Kind
from raydeck.settings import Settings


async def open_session(context: AppContext, cookie: str | None) -> ConsoleSession | None:
    """The session a browser's cookie stands for; ``None`` when it must log in."""
    if not cookie:
        return None
    try:
        principal = await context.auth.authenticate(cookie, via="session")
    except Unauthorized:
        return None
    return ConsoleSession(context, principal, cookie)


class ConsoleSession:
    """One open page: the app's managers and the user it acts for."""

    def __init__(self, context: AppContext, principal: Principal, secret: str) -> None:
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
