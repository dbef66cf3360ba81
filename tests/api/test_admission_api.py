"""Admission as a client sees it on a write: a Warning header when a cluster will wait, a 422
naming the totals when it can never start (nothing stored), accepted when created stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from raydeck.app import create_app
from raydeck.cli.client import warning_text
from raydeck.managers.warnings import header_value
from raydeck.platforms.admission import Capacity
from raydeck.settings import Settings
from tests.support.auth import login
from tests.support.memory_platform import MemoryPlatform
from tests.support.samples import raycluster, rayjob, rayservice

CLUSTERS = "/api/v1/namespaces/default/rayclusters"
#: A machine of 8 CPUs and 8 nodes; memory and GPUs are not what these tests measure.
SMALL = Capacity(cpu_millis=8000, memory_bytes=None, gpu=None, nodes=8)


@pytest.fixture
async def small(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API over the in-memory platform, whose clusters wait as the local platform's do."""
    app = create_app(
        settings, platform_factory=lambda store, _s: MemoryPlatform(store, capacity=SMALL)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as client:
            await login(client)
            yield client


def warnings_of(response: httpx.Response) -> list[str]:
    return [warning_text(v) for v in response.headers.get_list("warning")]


async def test_a_cluster_that_fits_is_created_without_a_warning(
    small: httpx.AsyncClient,
) -> None:
    response = await small.post(CLUSTERS, json=raycluster("fits", workers=2))
    assert response.status_code == 201, response.text
    assert warnings_of(response) == []
    assert response.json()["status"]["state"] == "ready"


async def test_a_cluster_that_must_wait_is_accepted_with_a_warning_naming_what_holds_it(
    small: httpx.AsyncClient,
) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "4"})
    await small.post(CLUSTERS, json=raycluster("first", workers=2))
    response = await small.post(CLUSTERS, json=raycluster("second", workers=2))
    assert response.status_code == 201, response.text
    assert response.headers.get_list("warning")[0].startswith('299 - "')
    assert warnings_of(response) == [
        "RayCluster default/second waits in the admission queue at position 1: it needs 3 CPU "
        "and the quota of namespace 'default' (field cpu) has 1 of 4 free "
        "(it asks 3 CPU, 3Gi memory, 0 GPU on 3 nodes)"
    ]
    stored = (await small.get(f"{CLUSTERS}/second")).json()
    assert stored["status"]["queue"]["position"] == 1
    listed = await small.get(CLUSTERS, params={"status": "queued"})
    assert [o["metadata"]["name"] for o in listed.json()["items"]] == ["second"]


async def test_the_machine_setting_is_named_when_the_machine_holds_a_cluster_back(
    small: httpx.AsyncClient,
) -> None:
    await small.post(CLUSTERS, json=raycluster("first", workers=5))
    response = await small.post(CLUSTERS, json=raycluster("second", workers=2))
    assert response.status_code == 201, response.text
    (warning,) = warnings_of(response)
    assert "this machine (setting RAYDECK_LOCAL__CAPACITY_CPU) has 2 of 8 free" in warning


async def test_a_cluster_that_can_never_start_is_refused_with_its_totals_and_not_stored(
    small: httpx.AsyncClient,
) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "4"})
    response = await small.post(CLUSTERS, json=raycluster("huge", workers=4))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"] == (
        "RayCluster default/huge can never start as it is: it asks 5 CPU, 5Gi memory, 0 GPU on "
        "5 nodes: spec: it needs 5 CPU and the quota of namespace 'default' (field cpu) has 4 "
        "of 4 free (more than it will ever have)"
    )
    assert body["details"]["causes"][0]["field"] == "spec"
    assert (await small.get(f"{CLUSTERS}/huge")).status_code == 404


async def test_a_cluster_with_more_nodes_than_the_machine_runs_is_refused(
    small: httpx.AsyncClient,
) -> None:
    response = await small.post(CLUSTERS, json=raycluster("wide", workers=8, cpu="100m"))
    assert response.status_code == 422, response.text
    assert (
        "it needs 9 nodes and this machine (setting RAYDECK_LOCAL__CAPACITY_NODES) has 8"
        in (response.json()["message"])
    )


async def test_one_that_can_never_start_is_accepted_stopped_with_a_warning_and_cannot_start(
    small: httpx.AsyncClient,
) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "4"})
    response = await small.post(CLUSTERS, json=raycluster("huge", workers=4, suspend=True))
    assert response.status_code == 201, response.text
    (warning,) = warnings_of(response)
    assert warning.startswith("RayCluster default/huge is stopped and cannot start as it is")
    start = await small.post(f"{CLUSTERS}/huge/start")
    assert start.status_code == 422
    assert "has 4 of 4 free" in start.json()["message"]
    assert (await small.get(f"{CLUSTERS}/huge")).json()["spec"]["suspend"] is True


async def test_starting_a_stopped_cluster_that_must_wait_warns(small: httpx.AsyncClient) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"clusters": 1})
    await small.post(CLUSTERS, json=raycluster("first", workers=1))
    await small.post(CLUSTERS, json=raycluster("later", workers=1, suspend=True))
    start = await small.post(f"{CLUSTERS}/later/start")
    assert start.status_code == 200, start.text
    (warning,) = warnings_of(start)
    assert "(field clusters) allows 1 running cluster(s) and 1 run" in warning


async def test_rayjob_and_rayservice_clusters_are_admitted_the_same_way(
    small: httpx.AsyncClient,
) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "500m"})
    job = await small.post("/api/v1/namespaces/default/rayjobs", json=rayjob("job"))
    assert job.status_code == 422, job.text
    assert job.json()["details"]["causes"][0]["field"] == "spec.rayClusterSpec"
    service = await small.post(
        "/api/v1/namespaces/default/rayservices", json=rayservice("svc", workers=0)
    )
    assert service.status_code == 422, service.text
    assert service.json()["details"]["causes"][0]["field"] == "spec.rayClusterConfig"
    assert (await small.get("/api/v1/namespaces/default/rayjobs/job")).status_code == 404


async def test_templates_are_never_held_to_admission(small: httpx.AsyncClient) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "1"})
    response = await small.post(
        CLUSTERS, params={"type": "template"}, json=raycluster("t", workers=4)
    )
    assert response.status_code == 201, response.text
    assert warnings_of(response) == []


async def test_changing_a_running_cluster_warns_of_nothing_but_growing_past_the_quota_is_refused(
    small: httpx.AsyncClient,
) -> None:
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "3"})
    created = await small.post(CLUSTERS, json=raycluster("running", workers=2))
    assert warnings_of(created) == []
    labelled = await small.patch(
        f"{CLUSTERS}/running",
        json={"metadata": {"labels": {"team": "a"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert labelled.status_code == 200, labelled.text
    assert warnings_of(labelled) == []
    grown = raycluster("running", workers=3)
    refused = await small.put(f"{CLUSTERS}/running", json=grown)
    assert refused.status_code == 422, refused.text
    assert "it asks 4 CPU" in refused.json()["message"]
    kept = (await small.get(f"{CLUSTERS}/running")).json()
    assert kept["spec"]["workerGroupSpecs"][0]["replicas"] == 2


async def test_a_running_rayservice_whose_cluster_is_unchanged_is_not_admitted_again(
    small: httpx.AsyncClient,
) -> None:
    services = "/api/v1/namespaces/default/rayservices"
    assert (await small.post(services, json=rayservice("svc"))).status_code == 201
    await small.put("/api/v1/namespaces/default/quota", json={"cpu": "500m"})
    relabelled = await small.patch(
        f"{services}/svc",
        json={"metadata": {"labels": {"team": "a"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert relabelled.status_code == 200, relabelled.text
    new_cluster = await small.patch(
        f"{services}/svc",
        json={"spec": {"rayClusterConfig": {"rayVersion": "2.60.0"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert new_cluster.status_code == 422, new_cluster.text
    assert new_cluster.json()["details"]["causes"][0]["field"] == "spec.rayClusterConfig"


def test_warning_headers_carry_quotes_and_backslashes_as_the_api_server_quotes_them() -> None:
    text = 'it needs "3" CPU \\ and naïve → arrows'
    value = header_value(text)
    assert value == '299 - "it needs \\"3\\" CPU \\\\ and na?ve ? arrows"'
    assert warning_text(value) == 'it needs "3" CPU \\ and na?ve ? arrows'
    assert warning_text("199 misc") == "199 misc"
