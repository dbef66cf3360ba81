"""ConfigMaps are stored and served as data, validated as the Kubernetes API server would."""

from __future__ import annotations

import httpx
import yaml

BASE = "/api/v1/namespaces/default/configmaps"
SAMPLE = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "ray-job-code-sample"},
    "data": {"sample_code.py": "print('hi')\n"},
}


async def test_configmap_round_trips_from_yaml(api: httpx.AsyncClient) -> None:
    response = await api.post(
        BASE, content=yaml.safe_dump(SAMPLE), headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    body = (await api.get(f"{BASE}/ray-job-code-sample")).json()
    assert body["data"] == SAMPLE["data"] and "status" not in body


async def test_bad_keys_and_names_are_422_with_paths(api: httpx.AsyncClient) -> None:
    bad = SAMPLE | {"metadata": {"name": "Bad_Name"}, "data": {"no/slash": "x"}}
    response = await api.post(BASE, json=bad)
    assert response.status_code == 422
    causes = {c["field"] for c in response.json()["details"]["causes"]}
    assert {"metadata.name", "data.no/slash"} <= causes


async def test_configmaps_have_no_runtime_routes_and_delete_freely(api: httpx.AsyncClient) -> None:
    await api.post(BASE, json=SAMPLE)
    assert (await api.post(f"{BASE}/ray-job-code-sample/start")).status_code in (404, 405)
    assert (await api.get(f"{BASE}/ray-job-code-sample/logs")).status_code == 404
    assert (await api.delete(f"{BASE}/ray-job-code-sample")).status_code == 200
