"""Namespaces created and deleted through raydeck are real Kubernetes Namespaces on the test bed."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from raydeck.errors import NotFound
from raydeck.platforms.kubernetes.client import KubeClient
from tests.support.auth import add_user, login
from tests.support.kube_app import kube_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes


@pytest.fixture
async def api(kubeconfig: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:
        yield client


@pytest.fixture
async def name(kube: KubeClient) -> AsyncIterator[str]:
    """A namespace name no one uses; the Namespace is removed afterwards if a test left it."""
    chosen = f"rd-made-{uuid.uuid4().hex[:6]}"
    yield chosen
    with contextlib.suppress(NotFound):
        await kube.request("DELETE", "v1", url=f"namespaces/{chosen}")


async def test_a_platform_admin_creates_a_real_namespace_and_deletes_it(
    api: httpx.AsyncClient, kube: KubeClient, name: str
) -> None:
    created = await api.post("/api/v1/namespaces", json={"name": name})
    assert created.status_code == 201, created.text
    assert created.json()["metadata"]["name"] == name
    live = await kube.request("GET", "v1", url=f"namespaces/{name}")
    assert live["status"]["phase"] == "Active"
    assert created.json()["metadata"]["uid"] == live["metadata"]["uid"]
    # Known at once, and it stays (the watch agrees with what raydeck wrote).
    assert (await api.get(f"/api/v1/namespaces/{name}")).status_code == 200
    body = raycluster("in-new", workers=0, suspend=True)
    cluster = await api.post(f"/api/v1/namespaces/{name}/rayclusters", json=body)
    assert cluster.status_code == 201, cluster.text

    again = await api.post("/api/v1/namespaces", json={"name": name})
    assert again.status_code == 409, again.text
    held = await api.delete(f"/api/v1/namespaces/{name}")
    assert held.status_code == 409 and "delete them first" in held.json()["message"]

    assert (await api.delete(f"/api/v1/namespaces/{name}/rayclusters/in-new")).status_code == 200
    deleted = await api.delete(f"/api/v1/namespaces/{name}")
    assert deleted.status_code == 200, deleted.text

    async def gone() -> bool:
        try:
            await kube.request("GET", "v1", url=f"namespaces/{name}")
        except NotFound:
            listed = (await api.get("/api/v1/namespaces")).json()["items"]
            return name not in [n["metadata"]["name"] for n in listed]
        return False

    # Kubernetes' namespace controller empties it first (Terminating), then it is gone.
    await eventually(gone, timeout=60, interval=0.5, what="the Namespace to be deleted")


async def test_bad_names_and_non_admins_are_refused_before_the_api_server(
    api: httpx.AsyncClient, kube: KubeClient, name: str
) -> None:
    bad = await api.post("/api/v1/namespaces", json={"name": "Not_A_Name"})
    assert bad.status_code == 422
    assert [c["field"] for c in bad.json()["details"]["causes"]] == ["metadata.name"]
    await add_user(api, "team-admin", role="cluster-admin", namespaces=["default"])
    transport = api._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as other:
        await login(other, "team-admin", "password-of-" + "a-user")
        refused = await other.post("/api/v1/namespaces", json={"name": name})
    assert refused.status_code == 403 and "platform-admin" in refused.json()["message"]
    with pytest.raises(NotFound):
        await kube.request("GET", "v1", url=f"namespaces/{name}")
