"""The RayCluster REST API as a client sees it, over the in-memory platform."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from tests.support.samples import raycluster

BASE = "/api/v1/namespaces/default/rayclusters"


async def create(api: httpx.AsyncClient, body: dict[str, Any], **params: str) -> dict[str, Any]:
    response = await api.post(BASE, json=body, params=params)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_create_returns_the_object_with_server_metadata_and_creator(
    api: httpx.AsyncClient,
) -> None:
    created = await create(api, raycluster("alpha"))
    meta = created["metadata"]
    assert meta["namespace"] == "default" and meta["generation"] == 1
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"]
    assert meta["annotations"]["raydeck.io/creator"] == "admin"
    assert meta["annotations"]["raydeck.io/type"] == "instance"
    fetched = (await api.get(f"{BASE}/alpha")).json()
    sent = raycluster("alpha")["spec"]
    # What the user sent, plus what KubeRay's CRD defaults (as the API server would add).
    sent["workerGroupSpecs"][0] |= {"numOfHosts": 1, "priority": 0}
    assert fetched["spec"] == sent


async def test_a_worker_group_without_min_and_max_replicas_is_accepted_with_the_crd_defaults(
    api: httpx.AsyncClient,
) -> None:
    body = raycluster("no-bounds", workers=1)
    del body["spec"]["workerGroupSpecs"][0]["minReplicas"]
    del body["spec"]["workerGroupSpecs"][0]["maxReplicas"]
    created = await create(api, body)
    group = created["spec"]["workerGroupSpecs"][0]
    assert (group["minReplicas"], group["maxReplicas"], group["replicas"]) == (0, 2147483647, 1)
    fetched = (await api.get(f"{BASE}/no-bounds")).json()
    assert fetched["spec"]["workerGroupSpecs"][0]["maxReplicas"] == 2147483647


async def test_create_accepts_yaml_and_keeps_unknown_fields(api: httpx.AsyncClient) -> None:
    body = raycluster("from-yaml")
    body["spec"]["headGroupSpec"]["template"]["spec"]["tolerations"] = [{"key": "gpu"}]
    response = await api.post(
        BASE, content=yaml.safe_dump(body), headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    exported = yaml.safe_load((await api.get(f"{BASE}/from-yaml/yaml")).text)
    assert exported["spec"]["headGroupSpec"]["template"]["spec"]["tolerations"] == [{"key": "gpu"}]


async def test_invalid_spec_is_422_with_field_paths_and_nothing_is_stored(
    api: httpx.AsyncClient,
) -> None:
    body = raycluster("Bad_Name", workers=50)
    response = await api.post(BASE, json=body)
    assert response.status_code == 422
    causes = {c["field"] for c in response.json()["details"]["causes"]}
    assert {"metadata.name", "spec.workerGroupSpecs[0].replicas"} <= causes
    assert (await api.get(BASE)).json()["total"] == 0


async def test_unparseable_yaml_is_422_with_the_line(api: httpx.AsyncClient) -> None:
    response = await api.post(
        BASE, content="kind: RayCluster\nspec: [\n", headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 422
    assert "line" in response.json()["message"]


async def test_unknown_namespace_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/namespaces/nowhere/rayclusters", json=raycluster())
    assert response.status_code == 404
    assert "nowhere" in response.json()["message"]


async def test_existing_name_is_409(api: httpx.AsyncClient) -> None:
    await create(api, raycluster("twice"))
    response = await api.post(BASE, json=raycluster("twice"))
    assert response.status_code == 409
    assert response.json()["reason"] == "AlreadyExists"


async def test_stale_resource_version_is_409_and_current_one_succeeds(
    api: httpx.AsyncClient,
) -> None:
    created = await create(api, raycluster("versioned"))
    body = created | {"spec": created["spec"] | {"rayVersion": "2.60.0"}}
    assert (await api.put(f"{BASE}/versioned", json=body)).status_code == 200
    stale = await api.put(f"{BASE}/versioned", json=body)
    assert stale.status_code == 409
    assert "stale" in stale.json()["message"]
    current = (await api.get(f"{BASE}/versioned")).json()
    assert current["metadata"]["generation"] == 2


async def test_merge_patch_changes_replicas_and_bumps_generation(api: httpx.AsyncClient) -> None:
    await create(api, raycluster("patched"))
    patch = {
        "spec": {
            "workerGroupSpecs": [raycluster()["spec"]["workerGroupSpecs"][0] | {"replicas": 3}]
        }
    }
    response = await api.patch(f"{BASE}/patched", json=patch)
    assert response.status_code == 200, response.text
    assert response.json()["spec"]["workerGroupSpecs"][0]["replicas"] == 3
    assert response.json()["metadata"]["generation"] == 2


async def test_deleting_a_running_cluster_is_409_until_it_is_stopped(
    api: httpx.AsyncClient,
) -> None:
    await create(api, raycluster("busy"))
    refused = await api.delete(f"{BASE}/busy")
    assert refused.status_code == 409
    assert "stop it first" in refused.json()["message"]
    stopped = await api.post(f"{BASE}/busy/stop")
    assert stopped.json()["spec"]["suspend"] is True
    assert (await api.delete(f"{BASE}/busy")).status_code == 200
    assert (await api.get(f"{BASE}/busy")).status_code == 404


async def test_start_clears_suspend(api: httpx.AsyncClient) -> None:
    await create(api, raycluster("sleeper", suspend=True))
    started = (await api.post(f"{BASE}/sleeper/start")).json()
    assert started["spec"]["suspend"] is False
    assert started["status"]["state"] == "ready"


async def test_batch_delete_reports_each_name(api: httpx.AsyncClient) -> None:
    for name in ("gone-a", "gone-b"):
        await create(api, raycluster(name, suspend=True))
    await create(api, raycluster("still-running"))
    response = await api.delete(
        BASE, params={"name": ["gone-a", "gone-b", "still-running", "missing"]}
    )
    results = {r["name"]: r for r in response.json()["results"]}
    assert results["gone-a"]["deleted"] and results["gone-b"]["deleted"]
    assert results["still-running"]["reason"] == "InvalidState"
    assert results["missing"]["reason"] == "NotFound"


async def test_list_searches_filters_sorts_and_pages(api: httpx.AsyncClient) -> None:
    for i, cpu in enumerate(["1", "4", "2"]):
        await create(api, raycluster(f"team-a-{i}", cpu=cpu, labels={"team": "a"}))
    await create(api, raycluster("other", labels={"team": "b"}))
    await create(api, raycluster("tmpl-a"), type="template")
    query = {
        "search": "TEAM-a",
        "sort": "-cpu",
        "limit": 2,
        "type": "instance",
        "selector": "team=a",
    }
    page = (await api.get(BASE, params=query)).json()
    assert page["total"] == 3
    assert [i["metadata"]["name"] for i in page["items"]] == ["team-a-1", "team-a-2"]
    rest = (await api.get(BASE, params=query | {"continue": page["continue"]})).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["team-a-0"] and rest[
        "continue"
    ] is None
    everything = (await api.get("/api/v1/rayclusters")).json()
    kinds = {
        i["metadata"]["name"]: i["metadata"]["annotations"]["raydeck.io/type"]
        for i in everything["items"]
    }
    assert kinds["tmpl-a"] == "template" and kinds["other"] == "instance"
    ready = (await api.get(BASE, params={"status": "ready"})).json()
    assert ready["total"] == 4


async def test_search_lists_names_containing_it_and_close_matches_only_without_one(
    api: httpx.AsyncClient,
) -> None:
    for name in ("perf-01", "perf-011", "perf-10", "prod-0-1"):
        await create(api, raycluster(name))

    async def names(search: str) -> tuple[list[str], bool]:
        page = (await api.get(BASE, params={"search": search})).json()
        assert page["total"] == len(page["items"])
        return [i["metadata"]["name"] for i in page["items"]], page["closeMatches"]

    # "prod-0-1" holds p, -, 0, 1 in order but does not contain "perf-01".
    assert await names("perf-01") == (["perf-01", "perf-011"], False)
    assert await names("Perf-1") == (["perf-10"], False)
    assert await names("pd01") == (["prod-0-1"], True)
    assert await names("perf-2") == ([], False)


async def test_bad_sort_and_selector_are_422_naming_the_parameter(api: httpx.AsyncClient) -> None:
    sort = await api.get(BASE, params={"sort": "colour"})
    assert sort.status_code == 422 and sort.json()["details"]["causes"][0]["field"] == "sort"
    selector = await api.get(BASE, params={"selector": "a in (b)"})
    assert (
        selector.status_code == 422
        and selector.json()["details"]["causes"][0]["field"] == "selector"
    )


async def test_templates_are_saved_instantiated_and_made_from_instances(
    api: httpx.AsyncClient,
) -> None:
    await create(api, raycluster("base"), type="template")
    refused = await api.post(f"{BASE}/base/start")
    assert refused.status_code == 409 and "template" in refused.json()["message"]
    made = await api.post(f"{BASE}/base/instances", json={"name": "from-base"})
    assert made.status_code == 201
    made_body = made.json()
    assert made_body["metadata"]["annotations"]["raydeck.io/template"] == "base"
    assert made_body["status"]["state"] == "ready"
    saved = await api.post(f"{BASE}/from-base/template", json={"name": "copy-of-it"})
    assert saved.status_code == 201
    assert saved.json()["metadata"]["annotations"]["raydeck.io/type"] == "template"
    assert "suspend" not in saved.json()["spec"]


async def test_events_pods_and_logs_are_served(api: httpx.AsyncClient) -> None:
    await create(api, raycluster("observed"))
    events = (await api.get(f"{BASE}/observed/events")).json()["items"]
    assert events[0]["reason"] == "StateChanged"
    pods = (await api.get(f"{BASE}/observed/pods")).json()["items"]
    assert pods[0]["nodeType"] == "head"
    logs = await api.get(f"{BASE}/observed/logs", params={"tail": 2})
    assert logs.text == "line 4 of observed\nline 5 of observed\n"


async def test_namespaces_are_created_listed_and_deleted_only_when_empty(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.post("/api/v1/namespaces", json={"name": "team-b"})).status_code == 201
    bad = await api.post("/api/v1/namespaces", json={"name": "Team_B"})
    assert bad.status_code == 422 and bad.json()["details"]["causes"][0]["field"] == "metadata.name"
    names = [n["metadata"]["name"] for n in (await api.get("/api/v1/namespaces")).json()["items"]]
    assert names == ["default", "team-b"]
    await api.post("/api/v1/namespaces/team-b/rayclusters", json=raycluster("x", suspend=True))
    assert (await api.delete("/api/v1/namespaces/team-b")).status_code == 409
    await api.delete("/api/v1/namespaces/team-b/rayclusters/x")
    assert (await api.delete("/api/v1/namespaces/team-b")).status_code == 200
    assert (await api.delete("/api/v1/namespaces/default")).status_code == 409


async def test_healthz_and_openapi_are_served(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json()["status"] == "ok"
    spec = (await api.get("/openapi.json")).json()
    assert "/api/v1/namespaces/{namespace}/rayclusters/{name}/logs" in spec["paths"]


async def test_namespace_in_body_must_match_the_url(api: httpx.AsyncClient) -> None:
    body = raycluster("elsewhere")
    body["metadata"]["namespace"] = "other"
    response = await api.post(BASE, json=body)
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "metadata.namespace"
