"""The test bed keeps every pod on loopback: kwok gives pods addresses in 127.0.0.0/8, so whatever
dials a pod (the API server's service proxy, raydeck's health probes) never leaves this machine."""

from __future__ import annotations

import ipaddress

from raydeck.platforms.kubernetes.client import KubeClient
from tests.support.waiting import eventually


async def test_pods_on_the_bed_get_loopback_addresses(kube: KubeClient, namespace: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "address-probe"},
        "spec": {"containers": [{"name": "c", "image": "none"}]},
    }
    await kube.request("POST", "v1", url=f"namespaces/{namespace}/pods", body=pod)

    async def address() -> str | None:
        found = await kube.request("GET", "v1", url=f"namespaces/{namespace}/pods/address-probe")
        status = found.get("status") or {}
        return (
            str(status["podIP"])
            if status.get("phase") == "Running" and status.get("podIP")
            else None
        )

    ip = await eventually(address, timeout=60, what="the probe pod to run with an address")
    assert ipaddress.ip_address(ip).is_loopback, ip
