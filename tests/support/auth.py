"""Logging test clients in: every raydeck the tests start has ``admin`` with this password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

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


@asynccontextmanager
async def running_as_admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (lifespan), and a client of it logged in as admin."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://raydeck", timeout=60
        ) as client:
            await login(client)
            yield client


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
