"""Finding 9 against a real ``raydeck up``: changing one's own password needs the current one,
and any password change ends the user's other tokens and sessions."""

from __future__ import annotations

import httpx

from tests.security.conftest import PASSWORD, TEAM, add_user, token_of
from tests.support.server import Server

NEW = "a-brand-new-password"


async def _session(server: Server, username: str, password: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        started = await client.post(
            "/api/v1/session", json={"username": username, "password": password}
        )
    assert started.status_code == 200, started.text
    return {"Cookie": f"raydeck_session={started.cookies['raydeck_session']}"}


async def _works(server: Server, headers: dict[str, str]) -> bool:
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
        return (await client.get("/api/v1/whoami")).status_code == 200


async def test_changing_ones_own_password_needs_the_current_one(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        await add_user(admin, "carl", role="viewer", namespaces=[TEAM])
    # Whoever holds carl's token (stolen, left on a shared machine) cannot take the account.
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "carl")) as carl:
        for body in ({"password": NEW}, {"password": NEW, "currentPassword": "a-guess-at-it"}):
            refused = await carl.patch("/api/v1/users/carl", json=body)
            assert refused.status_code == 422, refused.text
            assert "currentPassword" in [c["field"] for c in refused.json()["details"]["causes"]]
    await token_of(edge, "carl", PASSWORD)  # still the old password


async def test_a_password_change_revokes_the_users_other_tokens_and_sessions(
    edge: Server,
) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        await add_user(admin, "dora", role="viewer", namespaces=[TEAM])
    other_token = await token_of(edge, "dora")
    other_session = await _session(edge, "dora", PASSWORD)
    changing = await token_of(edge, "dora")
    assert await _works(edge, other_token) and await _works(edge, other_session)
    async with httpx.AsyncClient(base_url=edge.url, headers=changing) as dora:
        body = {"password": NEW, "currentPassword": PASSWORD}
        assert (await dora.patch("/api/v1/users/dora", json=body)).status_code == 200
    assert await _works(edge, changing)  # the request that changed it stays logged in
    assert not await _works(edge, other_token)
    assert not await _works(edge, other_session)
    # A platform-admin resetting it (no current password needed) ends every one of them.
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        reset = await admin.patch("/api/v1/users/dora", json={"password": PASSWORD})
        assert reset.status_code == 200, reset.text
    assert not await _works(edge, changing)
