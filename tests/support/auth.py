"""Logging test clients in: every raydeck the tests start has ``admin`` with this password."""

from __future__ import annotations

from typing import Any

import httpx

ADMIN_PASSWORD = "admin-password-for-tests"


async def login(
    client: httpx.AsyncClient, username: str = "admin", password: str = ADMIN_PASSWORD
) -> str:
    """Log ``client`` in through the real login route; later requests carry the token."""
    response = await client.post("/api/v1/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def login_sync(url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(f"{url}/api/v1/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def auth(token: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {token}"}


async def add_user(
    admin: httpx.AsyncClient,
    username: str,
    *,
    role: str,
    namespaces: list[str],
    password: str = "password-of-" + "a-user",
) -> None:
    response = await admin.post(
        "/api/v1/users",
        json={"username": username, "password": password, "role": role, "namespaces": namespaces},
    )
    assert response.status_code == 201, response.text
