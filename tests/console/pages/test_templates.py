"""The templates page lists saved templates only, a tab per kind."""

from __future__ import annotations

from nicegui import ui

from raydeck.resources.kinds import RAYJOB, RAYSERVICE
from tests.console.conftest import Console
from tests.support.samples import rayjob, rayservice
from tests.support.waiting import eventually


async def test_templates_page_lists_saved_templates(console: Console) -> None:
    manager = console.context.manager(RAYSERVICE)
    await manager.create(console.admin, "default", rayservice("web"), as_template=True)
    await console.context.manager(RAYJOB).create(console.admin, "default", rayjob("done"))
    user = console.user
    await user.open("/templates")
    await user.should_see(marker="rayservices-table")
    table = next(iter(user.find(marker="rayservices-table").elements))
    assert isinstance(table, ui.table)

    async def rows() -> list[tuple[str, str]]:
        return [(r["name"], r["type"]) for r in table.rows]

    assert await eventually(rows, timeout=5, what="template rows") == [("web", "template")]
    await user.should_see("No templates yet.")  # the RayJob instance is not a template
