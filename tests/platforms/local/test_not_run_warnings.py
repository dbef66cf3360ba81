"""What the local platform accepts but leaves out is said when the object is written: a
Kubernetes-style Warning header, the object stored as sent (raydeck on the real local platform;
the cluster is written stopped, so no Ray process starts)."""

from __future__ import annotations

from tests.support.local_app import local_raydeck
from tests.support.samples import raycluster

CLUSTERS = "/api/v1/namespaces/default/rayclusters"


async def test_init_containers_are_accepted_with_a_warning_naming_them() -> None:
    body = raycluster("with-init", workers=0, suspend=True)
    head = body["spec"]["headGroupSpec"]["template"]["spec"]
    head["initContainers"] = [{"name": "ray-head-tls", "image": "ray", "command": ["gencert"]}]
    async with local_raydeck() as api:
        created = await api.post(CLUSTERS, json=body)
        assert created.status_code == 201, created.text
        warnings = created.headers.get_list("warning")
        assert len(warnings) == 1, warnings
        assert warnings[0].startswith('299 - "RayCluster default/with-init: ')
        assert "initContainers (ray-head-tls) are not run by the local platform" in warnings[0]
        stored = (await api.get(f"{CLUSTERS}/with-init")).json()
        template = stored["spec"]["headGroupSpec"]["template"]["spec"]
        assert template["initContainers"][0]["name"] == "ray-head-tls"

        plain = await api.post(CLUSTERS, json=raycluster("plain", workers=0, suspend=True))
        assert plain.status_code == 201 and "warning" not in plain.headers
