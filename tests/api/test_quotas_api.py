"""Namespace quotas over the API: set by platform admins, read with their use, checked input."""

from __future__ import annotations

import httpx

from tests.support.samples import raycluster


async def test_quota_is_set_read_back_with_use_and_left_out_fields_are_unlimited(
    api: httpx.AsyncClient,
) -> None:
    await api.post("/api/v1/namespaces/default/rayclusters", json=raycluster("r", workers=1))
    put = await api.put(
        "/api/v1/namespaces/default/quota", json={"cpu": "6", "memory": "8Gi", "clusters": 3}
    )
    assert put.status_code == 200, put.text
    got = (await api.get("/api/v1/namespaces/default/quota")).json()
    assert got["hard"] == {
        "cpu": "6",
        "memory": "8Gi",
        "gpu": None,
        "clusters": 3,
        "nodes": None,
        "nodesPerCluster": None,
    }
    assert got["used"] == {"cpu": "2", "memory": "2Gi", "gpu": 0, "clusters": 1, "nodes": 2}
    cleared = await api.put("/api/v1/namespaces/default/quota", json={"cpu": "2"})
    assert cleared.json()["hard"] == {
        "cpu": "2",
        "memory": None,
        "gpu": None,
        "clusters": None,
        "nodes": None,
        "nodesPerCluster": None,
    }
    assert (await api.get("/api/v1/namespaces/default/queue")).json() == {"items": []}


async def test_bad_quota_names_each_field_and_keeps_the_old_one(api: httpx.AsyncClient) -> None:
    await api.put("/api/v1/namespaces/default/quota", json={"cpu": "4"})
    response = await api.put(
        "/api/v1/namespaces/default/quota",
        json={
            "cpu": "lots",
            "memory": "-1Gi",
            "clusters": 1.5,
            "disk": "1",
            "nodes": -1,
            "nodesPerCluster": "8",
        },
    )
    assert response.status_code == 422
    fields = {c["field"] for c in response.json()["details"]["causes"]}
    assert fields == {"cpu", "memory", "clusters", "disk", "nodes", "nodesPerCluster"}
    assert (await api.get("/api/v1/namespaces/default/quota")).json()["hard"]["cpu"] == "4"
    missing = await api.put("/api/v1/namespaces/nowhere/quota", json={"cpu": "1"})
    assert missing.status_code == 404


async def test_node_quotas_are_kept_and_read_back(api: httpx.AsyncClient) -> None:
    put = await api.put("/api/v1/namespaces/default/quota", json={"nodes": 8, "nodesPerCluster": 4})
    assert put.status_code == 200, put.text
    hard = (await api.get("/api/v1/namespaces/default/quota")).json()["hard"]
    assert (hard["nodes"], hard["nodesPerCluster"]) == (8, 4)
