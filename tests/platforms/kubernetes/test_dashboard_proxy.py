"""The Ray Dashboard through raydeck's own proxy on Kubernetes: via the API server's service proxy.

raydeck forwards ``/rayclusters/{ns}/{name}/dashboard/…`` to
``/api/v1/namespaces/{ns}/services/{head-svc}:dashboard/proxy/…`` with its own
credentials, so users need none for Kubernetes. kwok's pods run no containers, so no
dashboard answers behind the Service; what these tests can show is that the request
reaches the API server's proxy of the right Service (its own "no endpoints" answer
comes back as raydeck's 503 naming the cluster) and that raydeck lets only logged-in
callers who may read the namespace through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.platforms.kubernetes.client import KubeClient
from tests.support.auth import add_user, login
from tests.support.kube_app import kube_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
NAME = "dash"


@pytest.fixture(scope="module")
async def api(kubeconfig: Path, namespace: str) -> AsyncIterator[httpx.AsyncClient]:
    async with kube_raydeck(kubeconfig) as client:

        async def known() -> bool:
            return (await client.get(f"/api/v1/namespaces/{namespace}")).status_code == 200

        await eventually(known, timeout=30, what=f"namespace {namespace}")
        created = await client.post(
            f"/api/v1/namespaces/{namespace}/rayclusters", json=raycluster(NAME, workers=0)
        )
        assert created.status_code == 201, created.text

        async def running() -> bool:
            pods = await client.get(f"/api/v1/namespaces/{namespace}/rayclusters/{NAME}/pods")
            return any(p["phase"] == "Running" for p in pods.json()["items"])

        await eventually(running, timeout=120, interval=0.5, what="the head pod to run")
        yield client


async def endpoint_addresses(kube: KubeClient, namespace: str) -> list[Any]:
    slices = await kube.request(
        "GET",
        "discovery.k8s.io/v1",
        namespace=namespace,
        url="endpointslices",
        params={"labelSelector": f"kubernetes.io/service-name={NAME}-head-svc"},
    )
    return [e for s in slices.get("items") or [] for e in s.get("endpoints") or []]


async def test_the_api_servers_own_answer_for_a_service_without_endpoints_names_the_cluster(
    api: httpx.AsyncClient, kube: KubeClient, namespace: str
) -> None:
    # The head Service KubeRay made selects the head pod; point it at no pod, so the API
    # server's service proxy has no endpoint to forward to and answers by itself.
    await kube.request(
        "PATCH",
        "v1",
        namespace=namespace,
        url=f"services/{NAME}-head-svc",
        body={"spec": {"selector": {"ray.io/cluster": NAME, "ray.io/node-type": "no-such-pod"}}},
        content_type="application/merge-patch+json",
    )

    async def no_endpoints() -> bool:
        return not await endpoint_addresses(kube, namespace)

    await eventually(no_endpoints, timeout=30, interval=0.5, what="the Service's endpoints to go")
    base = f"/rayclusters/{namespace}/{NAME}/dashboard"
    redirect = await api.get(base)
    assert redirect.status_code == 307 and redirect.headers["location"] == base + "/"

    response = await api.get(base + "/api/version")
    assert response.status_code == 503, response.text
    body = response.json()
    message = body["message"]
    assert f"RayCluster {namespace}/{NAME}" in message
    assert f"service {namespace}/{NAME}-head-svc" in message  # the API server's proxy of it
    assert f'no endpoints available for service "{NAME}-head-svc"' in message  # its own words
    assert "Traceback" not in response.text


async def test_only_logged_in_readers_of_the_namespace_get_through(
    api: httpx.AsyncClient, namespace: str
) -> None:
    path = f"/rayclusters/{namespace}/{NAME}/dashboard/"
    anonymous = await api.get(path, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    await add_user(api, "elsewhere", role="cluster-admin", namespaces=["default"])
    transport = api._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://raydeck") as other:
        await login(other, "elsewhere", "password-of-" + "a-user")
        refused = await other.get(path)
    assert refused.status_code == 404  # a namespace not granted is as if absent
    missing = await api.get(f"/rayclusters/{namespace}/nope/dashboard/")
    assert missing.status_code == 404
