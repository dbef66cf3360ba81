"""Kueue on the test bed: the real Kueue controller (built from sigs.k8s.io/kueue) admits RayJobs.

``scripts/testbed up`` runs Kueue with its RayJob and RayCluster webhooks. A RayJob that
carries ``kueue.x-k8s.io/queue-name`` is suspended by Kueue's webhook when created, Kueue
makes a Workload for it and lifts the suspension once its ClusterQueue has room. raydeck
passes the label through untouched and shows the Workload's admission in the RayJob's
``status.kueue``, in its list state (``queued`` while Kueue holds it) and in the
namespace's queue. kwok runs the pods; no Ray job runs (the local tier does that).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.errors import NotFound
from raydeck.platforms.kubernetes.client import KubeClient
from tests.support.kube_app import kube_raydeck
from tests.support.samples import rayjob
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
KUEUE = "kueue.x-k8s.io/v1beta2"
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


@pytest.fixture(scope="module")
async def cluster_queue(kube: KubeClient, namespace: str) -> AsyncIterator[str]:
    """A ClusterQueue of 3 CPUs and 8 GiB for the test namespace only, and its LocalQueue
    ``team`` there; removed afterwards (ClusterQueues and flavors belong to no namespace)."""
    name = f"rd-cq-{uuid.uuid4().hex[:6]}"
    flavor = {"apiVersion": KUEUE, "kind": "ResourceFlavor", "metadata": {"name": name}}
    queue = {
        "apiVersion": KUEUE,
        "kind": "ClusterQueue",
        "metadata": {"name": name},
        "spec": {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
            "resourceGroups": [
                {
                    "coveredResources": ["cpu", "memory"],
                    "flavors": [
                        {
                            "name": name,
                            "resources": [
                                {"name": "cpu", "nominalQuota": "3"},
                                {"name": "memory", "nominalQuota": "8Gi"},
                            ],
                        }
                    ],
                }
            ],
        },
    }
    local = {
        "apiVersion": KUEUE,
        "kind": "LocalQueue",
        "metadata": {"name": "team", "namespace": namespace},
        "spec": {"clusterQueue": name},
    }
    await kube.request("POST", KUEUE, url="resourceflavors", body=flavor)
    await kube.request("POST", KUEUE, url="clusterqueues", body=queue)
    await kube.request("POST", KUEUE, namespace=namespace, url="localqueues", body=local)
    try:
        yield name
    finally:
        with contextlib.suppress(NotFound):
            await kube.request("DELETE", KUEUE, namespace=namespace, url="localqueues/team")
        for plural in ("clusterqueues", "resourceflavors"):
            with contextlib.suppress(NotFound):
                await kube.request("DELETE", KUEUE, url=f"{plural}/{name}")


@pytest.fixture(scope="module")
async def api(
    kubeconfig: Path, namespace: str, cluster_queue: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:

        async def known() -> bool:
            return (await client.get(f"/api/v1/namespaces/{namespace}")).status_code == 200

        await eventually(known, timeout=30, what=f"namespace {namespace}")
        yield client


def queued_job(name: str, *, cpu: str = "1") -> dict[str, Any]:
    body = rayjob(name, shutdownAfterJobFinishes=True, ttlSecondsAfterFinished=600)
    body["metadata"]["labels"] = {QUEUE_LABEL: "team"}
    head = body["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head["resources"] = {"requests": {"cpu": cpu, "memory": "1Gi"}, "limits": {"memory": "1Gi"}}
    return body


async def kueue_state(api: httpx.AsyncClient, namespace: str, name: str) -> dict[str, Any]:
    job = (await api.get(f"/api/v1/namespaces/{namespace}/rayjobs/{name}")).json()
    found: dict[str, Any] = (job.get("status") or {}).get("kueue") or {}
    return found


async def queue(api: httpx.AsyncClient, namespace: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/namespaces/{namespace}/queue")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_kueue_admits_a_rayjob_and_raydeck_shows_its_workload(
    api: httpx.AsyncClient, namespace: str, cluster_queue: str
) -> None:
    jobs = f"/api/v1/namespaces/{namespace}/rayjobs"
    created = await api.post(jobs, json=queued_job("fits"))
    assert created.status_code == 201, created.text
    # Kueue's webhook suspended it on the way in; the label is as the user wrote it.
    assert created.json()["spec"]["suspend"] is True
    assert created.json()["metadata"]["labels"] == {QUEUE_LABEL: "team"}

    async def admitted() -> dict[str, Any] | None:
        state = await kueue_state(api, namespace, "fits")
        return state if state.get("state") == "admitted" else None

    state = await eventually(admitted, timeout=60, interval=0.5, what="Kueue to admit the RayJob")
    assert state["clusterQueue"] == cluster_queue and state["queueName"] == "team"
    assert state["workload"].startswith("rayjob-fits-")
    assert {c["type"]: c["status"] for c in state["conditions"]} == {
        "QuotaReserved": "True",
        "Admitted": "True",
    }

    [entry] = await queue(api, namespace)
    assert (entry["kind"], entry["name"], entry["position"]) == ("RayJob", "fits", 0)
    assert entry["kueue"]["state"] == "admitted"
    # Its head asks 1 CPU; KubeRay's submitter pod adds its own requests.
    assert entry["requests"]["cpu"] not in ("0", "1")

    async def started() -> bool:
        job = (await api.get(f"{jobs}/fits")).json()
        status = job.get("status") or {}
        return not job["spec"].get("suspend") and bool(status.get("rayClusterName"))

    # Kueue lifted the suspension; KubeRay made the RayJob's cluster.
    await eventually(started, timeout=120, interval=0.5, what="the admitted RayJob to start")


async def test_a_rayjob_over_the_cluster_queue_waits_queued_with_kueues_reason(
    api: httpx.AsyncClient, namespace: str, cluster_queue: str
) -> None:
    jobs = f"/api/v1/namespaces/{namespace}/rayjobs"
    created = await api.post(jobs, json=queued_job("too-big", cpu="4"))
    assert created.status_code == 201, created.text

    async def pending() -> dict[str, Any] | None:
        state = await kueue_state(api, namespace, "too-big")
        looked_at = any(c["type"] == "QuotaReserved" for c in state.get("conditions") or [])
        return state if state.get("state") == "pending" and looked_at else None

    state = await eventually(pending, timeout=60, interval=0.5, what="Kueue to hold the RayJob")
    # Kueue's own words: the head's 4 CPUs exceed the ClusterQueue's 3.
    assert "insufficient quota for cpu" in state["reason"], state
    listed = await api.get(jobs, params={"status": "queued"})
    assert [j["metadata"]["name"] for j in listed.json()["items"]] == ["too-big"]
    job = (await api.get(f"{jobs}/too-big")).json()
    assert job["spec"]["suspend"] is True  # Kueue keeps it suspended

    first, *others = await queue(api, namespace)
    assert (first["name"], first["position"], first["kueue"]["state"]) == ("too-big", 1, "pending")
    assert first["reason"] == state["reason"]
    # What Kueue admitted follows at position 0, until its Workload finishes.
    assert all((e["position"], e["kueue"]["state"]) == (0, "admitted") for e in others)


async def test_kueues_webhook_refusal_comes_back_naming_the_field(
    api: httpx.AsyncClient, namespace: str
) -> None:
    body = queued_job("keeps-cluster")
    for field in ("shutdownAfterJobFinishes", "ttlSecondsAfterFinished"):
        del body["spec"][field]
    response = await api.post(f"/api/v1/namespaces/{namespace}/rayjobs", json=body)
    assert response.status_code == 422, response.text
    fields = [c["field"] for c in response.json()["details"]["causes"]]
    assert "spec.shutdownAfterJobFinishes" in fields, response.text
