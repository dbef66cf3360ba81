"""The namespaces page (platform admins): creating one, and a bad name named by field."""

from __future__ import annotations

from tests.console.conftest import Console


async def test_admin_creates_a_namespace_and_a_bad_name_names_the_field(console: Console) -> None:
    user = console.user
    await user.open("/namespaces")
    await user.should_see(marker="namespaces-table")
    user.find(marker="namespace-name").type("Bad_Name")
    user.find(marker="namespace-create").click()
    await user.should_see("metadata.name")
    user.find(marker="namespace-name").clear().type("team-c")
    user.find(marker="namespace-create").click()
    await user.should_see("Namespace team-c created")
    names = [n.name for n in await console.context.namespaces.list(console.admin)]
    assert "team-c" in names
