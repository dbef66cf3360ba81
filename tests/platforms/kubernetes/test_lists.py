"""Lists on the kubernetes platform: across namespaces, searched, sorted and paged by raydeck.

raydeck reads everything the API server holds with ``limit``/``continue``
pages, then follows changes with a watch; objects made behind raydeck's back
(here by a direct API call, as ``kubectl apply`` would) show up too, without a
creator. Templates stay in raydeck and never reach the API server.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.platforms.kubernetes.client import KubeClient
from tests.support.kube_app import kube_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
PREFIX = f"ls{uuid.uuid4().hex[:5]}"


@pytest.fixture(scope="module")
async def namespaces(kube: KubeClient) -> AsyncIterator[list[str]]:
    names = [f"{PREFIX}-a", f"{PREFIX}-b"]
    for name in names:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        await kube.request("POST", "v1", url="namespaces", body=body)
    try:
        yield names
    finally:
        for name in names:
            await kube.request("DELETE", "v1", url=f"namespaces/{name}")


@pytest.fixture(scope="module")
async def api(kubeconfig: Path, namespaces: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:

        async def known() -> bool:
            listed = (await client.get("/api/v1/namespaces")).json()["items"]
            return set(namespaces) <= {n["metadata"]["name"] for n in listed}

        await eventually(known, timeout=30, what="the test namespaces")
        yield client


async def all_names(api: httpx.AsyncClient, **params: Any) -> list[str]:
    """Every name a cross-namespace list returns, following ``continue`` page by page."""
    names: list[str] = []
    token = None
    while True:
        page = await api.get("/api/v1/rayclusters", params={**params, "continue": token})
        assert page.status_code == 200, page.text
        body = page.json()
        names += [f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in body["items"]]
        token = body["continue"]
        if not token:
            return names


async def test_lists_span_namespaces_and_page_with_continue(
    api: httpx.AsyncClient, namespaces: list[str], kube: KubeClient
) -> None:
    first, second = namespaces
    for namespace in namespaces:
        for i in range(3):
            body = raycluster(f"{PREFIX}-{namespace[-1]}{i}", workers=1, suspend=True)
            response = await api.post(f"/api/v1/namespaces/{namespace}/rayclusters", json=body)
            assert response.status_code == 201, response.text
    outside = raycluster(f"{PREFIX}-outside", workers=1, suspend=True)
    await kube.request("POST", "ray.io/v1", namespace=second, url="rayclusters", body=outside)

    async def seven() -> list[str] | None:
        found = await all_names(api, search=PREFIX, limit=3)
        return found if len(found) == 7 else None

    found = await eventually(seven, timeout=30, what="7 RayClusters listed")
    assert found == sorted(found, key=lambda n: n.split("/")[1])
    assert f"{second}/{PREFIX}-outside" in found

    page = (await api.get("/api/v1/rayclusters", params={"search": PREFIX, "limit": 3})).json()
    assert len(page["items"]) == 3 and page["total"] == 7 and page["continue"]
    mine = (await api.get(f"/api/v1/namespaces/{first}/rayclusters")).json()["items"]
    assert {o["metadata"]["name"] for o in mine} == {f"{PREFIX}-a{i}" for i in range(3)}
    outsider = await api.get(f"/api/v1/namespaces/{second}/rayclusters/{PREFIX}-outside")
    assert "raydeck.io/creator" not in (outsider.json()["metadata"].get("annotations") or {})


async def test_search_sort_and_filters_apply_to_mirrored_objects(
    api: httpx.AsyncClient, namespaces: list[str]
) -> None:
    hits = (await api.get("/api/v1/rayclusters", params={"search": f"{PREFIX}-b"})).json()
    assert sorted(o["metadata"]["name"] for o in hits["items"]) == [
        f"{PREFIX}-b{i}" for i in range(3)
    ]
    by_creator = await all_names(api, search=PREFIX, creator="admin")
    assert len(by_creator) == 6
    newest_first = await all_names(api, search=PREFIX, sort="-created")
    assert len(newest_first) == 7


async def test_a_template_stays_in_raydeck_and_never_reaches_the_api_server(
    api: httpx.AsyncClient, namespaces: list[str], kube: KubeClient
) -> None:
    namespace = namespaces[0]
    body = raycluster(f"{PREFIX}-tpl", workers=1)
    response = await api.post(
        f"/api/v1/namespaces/{namespace}/rayclusters", params={"type": "template"}, json=body
    )
    assert response.status_code == 201, response.text
    assert response.json()["metadata"]["annotations"]["raydeck.io/type"] == "template"
    live = await kube.request("GET", "ray.io/v1", namespace=namespace, url="rayclusters")
    assert f"{PREFIX}-tpl" not in {o["metadata"]["name"] for o in live["items"]}
    listed = await all_names(api, search=f"{PREFIX}-tpl", type="template")
    assert listed == [f"{namespace}/{PREFIX}-tpl"]


async def test_a_fresh_raydeck_pages_through_everything_at_start(
    kubeconfig: Path, namespaces: list[str]
) -> None:
    async with kube_raydeck(kubeconfig, page_size=2) as fresh:
        found = await all_names(fresh, search=PREFIX, type="instance")
    assert len(found) == 7
