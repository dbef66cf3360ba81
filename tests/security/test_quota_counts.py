"""Finding 5: a namespace quota counts what Ray will be told, not only container resources, and
how many node processes a cluster makes. Against a real ``raydeck up``: the refused clusters never
start a process, so this module needs no Ray.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from raydeck.platforms.local.processes import ProcessSupervisor
from tests.security.conftest import TEAM, token_of
from tests.support.samples import raycluster
from tests.support.server import Server

BASE = f"/api/v1/namespaces/{TEAM}/rayclusters"


def without_container_resources(name: str, *, workers: int, num_cpus: str) -> dict[str, Any]:
    """The attack: workers asking Ray for many CPUs while their containers declare nothing."""
    body = raycluster(name, workers=workers)
    for group in [body["spec"]["headGroupSpec"], *body["spec"]["workerGroupSpecs"]]:
        for container in group["template"]["spec"]["containers"]:
            container.pop("resources", None)
    for group in body["spec"]["workerGroupSpecs"]:
        group["rayStartParams"] = {"num-cpus": num_cpus}
        group["minReplicas"], group["maxReplicas"] = 0, workers
    return body


async def test_ray_start_cpus_count_against_the_quota_and_nothing_starts(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        quota = await admin.put(
            f"/api/v1/namespaces/{TEAM}/quota", json={"cpu": "1", "clusters": 1}
        )
        assert quota.status_code == 200, quota.text
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "alice")) as alice:
        response = await alice.post(
            BASE, json=without_container_resources("wide", workers=140, num_cpus="64")
        )
        assert response.status_code == 422, response.text
        message = response.json()["message"]
        asked = re.search(r"it asks (\d+) CPU, .* on (\d+) nodes", message)
        assert asked, message
        # 140 workers told num-cpus 64, and a head that counts the machine's detected CPUs.
        assert int(asked[1]) >= 140 * 64 and asked[2] == "141", message
        assert "(field cpu)" in message, message
        assert (await alice.get(BASE)).json()["items"] == []
    assert not ProcessSupervisor().tagged_pids(edge.tag_prefix), "a refused cluster started nodes"


async def test_the_nodes_of_one_cluster_are_limited_by_the_quota(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        quota = await admin.put(f"/api/v1/namespaces/{TEAM}/quota", json={"nodesPerCluster": 4})
        assert quota.status_code == 200, quota.text
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "alice")) as alice:
        response = await alice.post(BASE, json=raycluster("many", workers=10, cpu="100m"))
        assert response.status_code == 422, response.text
        assert "nodesPerCluster" in response.json()["message"], response.text
        assert (await alice.get(BASE)).json()["items"] == []
