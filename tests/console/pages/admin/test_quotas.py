"""The quotas page (platform admins): saving limits, refusing nonsense by field."""

from __future__ import annotations

from tests.console.conftest import Console


async def test_quota_form_saves_and_refuses_nonsense_by_field(console: Console) -> None:
    user = console.user
    await user.open("/quotas")
    await user.should_see(marker="quota-cpu")
    user.find(marker="quota-cpu").type("lots")
    user.find(marker="quota-save").click()
    await user.should_see("cpu")
    assert (await console.context.quotas.get(console.admin, "default")).hard.cpu is None
    user.find(marker="quota-cpu").clear().type("4")
    user.find(marker="quota-clusters").clear().type("2")
    user.find(marker="quota-save").click()
    await user.should_see("Quota of default saved")
    hard = (await console.context.quotas.get(console.admin, "default")).hard
    assert (hard.cpu, hard.clusters) == ("4", 2)
    await user.should_see("Nothing waits in this namespace.")
