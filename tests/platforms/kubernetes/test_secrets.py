"""Secrets on the kubernetes platform: written to the API server, mirrored without their values.

raydeck's store keeps a Secret's name, type and keys only; a reader who may see values gets them
from the API server, and a patch through raydeck keeps the values it did not touch.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.platforms.kubernetes.convert import SECRET
from raydeck.store.records import ObjectKey
from tests.support.kube_app import context_of, kube_raydeck
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
VALUE = "pa55-on-the-api-server"


@pytest.fixture(scope="module")
async def api(kubeconfig: Path, namespace: str) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:

        async def known() -> bool:
            listed = (await client.get("/api/v1/namespaces")).json()["items"]
            return namespace in {n["metadata"]["name"] for n in listed}

        await eventually(known, timeout=30, what="the test namespace")
        yield client


async def test_a_secret_goes_to_the_api_server_and_the_store_never_holds_its_value(
    api: httpx.AsyncClient, kube: KubeClient, namespace: str
) -> None:
    base = f"/api/v1/namespaces/{namespace}/secrets"
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-creds"},
        "stringData": {"password": VALUE},
    }
    created = await api.post(base, json=body)
    assert created.status_code == 201, created.text
    live = await kube.request("GET", SECRET, namespace=namespace, url=SECRET.url("db-creds"))
    assert base64.b64decode(live["data"]["password"]).decode() == VALUE
    stored = await context_of(api).store.get(ObjectKey("Secret", namespace, "db-creds"))
    assert stored.body["data"] == {"password": ""}
    assert VALUE not in json.dumps(stored.body)

    shown = (await api.get(f"{base}/db-creds")).json()
    assert base64.b64decode(shown["data"]["password"]).decode() == VALUE
    patched = await api.patch(f"{base}/db-creds", json={"stringData": {"user": "ray"}})
    assert patched.status_code == 200, patched.text
    live = await kube.request("GET", SECRET, namespace=namespace, url=SECRET.url("db-creds"))
    assert set(live["data"]) == {"password", "user"}
    assert base64.b64decode(live["data"]["password"]).decode() == VALUE
    listed = (await api.get(base)).json()["items"]
    assert [i["metadata"]["name"] for i in listed] == ["db-creds"]
    assert VALUE not in json.dumps(listed)
    assert (await api.delete(f"{base}/db-creds")).status_code == 200
