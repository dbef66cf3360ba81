"""The users page (platform admins): adding a user through the dialog."""

from __future__ import annotations

from tests.console.conftest import Console


async def test_admin_adds_a_user_through_the_dialog(console: Console) -> None:
    user = console.user
    await user.open("/users")
    await user.should_see(marker="users-table")
    user.find(marker="add-user").click()
    await user.should_see(marker="user-username")
    user.find(marker="user-username").type("carla")
    user.find(marker="user-password").type("short")
    user.find(marker="user-save").click()
    await user.should_see("password: must have at least")  # the manager's words, under the form
    user.find(marker="user-password").clear().type("a-long-enough-password")
    user.find(marker="user-save").click()
    await user.should_see("User carla saved")
    created = await console.context.auth.get_user(console.admin, "carla")
    assert created.role == "viewer"
