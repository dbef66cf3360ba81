"""What every console page needs: the managers, the settings, and who is using the page."""

from __future__ import annotations

from dataclasses import dataclass

from raydeck.managers.objects import NamespaceManager, ObjectManager
from raydeck.resources.kinds import Kind
from raydeck.settings import Settings


@dataclass
class ConsoleContext:
    settings: Settings
    objects: dict[str, ObjectManager]
    namespaces: NamespaceManager

    def manager(self, kind: Kind) -> ObjectManager:
        return self.objects[kind.plural]

    def user(self) -> str:
        """The person using the console; until logins exist, the configured local user."""
        return self.settings.local_user
