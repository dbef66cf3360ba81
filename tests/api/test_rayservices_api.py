"""The RayService REST API as a client sees it, over the in-memory platform."""

from __future__ import annotations

import httpx

from tests.support.samples import SERVE_CONFIG, rayservice

BASE = "/api/v1/namespaces/default/rayservices"


async def test_create_read_and_find_a_rayservice(api: httpx.AsyncClient) -> None:
    response = await api.post(BASE, json=rayservice("web"))
    assert response.status_code == 201, response.text
    body = (await api.get(f"{BASE}/web")).json()
    assert body["kind"] == "RayService" and "greeter" in body["spec"]["serveConfigV2"]
    assert body["status"]["numServeEndpoints"] == 1
    listed = (await api.get("/api/v1/rayservices", params={"search": "we"})).json()
    assert [i["metadata"]["name"] for i in listed["items"]] == ["web"]
    ready = (await api.get(BASE, params={"status": "ready"})).json()
    assert ready["total"] == 1


async def test_yaml_body_with_a_broken_serve_config_is_422_with_its_line(
    api: httpx.AsyncClient,
) -> None:
    text = (
        "apiVersion: ray.io/v1\nkind: RayService\nmetadata:\n  name: bad\nspec:\n"
        "  serveConfigV2: |\n    applications:\n      - name: a\n        import_path: m:a\n"
        "      - name: a\n        import_path: m:b\n        route_prefix: /b\n"
        "  rayClusterConfig:\n    headGroupSpec:\n      rayStartParams: {}\n"
        "      template:\n        spec:\n          containers:\n            - name: ray-head\n"
        "              image: rayproject/ray:2.60.0\n"
    )
    response = await api.post(BASE, content=text, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 422, response.text
    causes = response.json()["details"]["causes"]
    assert causes == [
        {
            "field": "spec.serveConfigV2",
            "message": "line 4: application name 'a' is used more than once",
        }
    ]
    assert (await api.get(BASE)).json()["total"] == 0


async def test_endpoints_give_the_stable_serve_url_and_the_dashboard(
    api: httpx.AsyncClient,
) -> None:
    await api.post(BASE, json=rayservice("web"))
    urls = (await api.get(f"{BASE}/web/endpoints")).json()
    assert set(urls) == {"serve", "dashboard"}
    missing = await api.get(f"{BASE}/nothing/endpoints")
    assert missing.status_code == 404


async def test_stop_start_templates_and_batch_delete(api: httpx.AsyncClient) -> None:
    for name in ("a", "b"):
        assert (await api.post(BASE, json=rayservice(name))).status_code == 201
    stopped = await api.post(f"{BASE}/a/stop")
    assert stopped.status_code == 200 and stopped.json()["spec"]["suspend"] is True
    conditions = stopped.json()["status"]["conditions"]
    assert conditions[0]["type"] == "Suspended"
    assert (await api.post(f"{BASE}/a/start")).json()["spec"]["suspend"] is False
    saved = await api.post(f"{BASE}/a/template", json={"name": "a-template"})
    assert saved.status_code == 201, saved.text
    made = await api.post(f"{BASE}/a-template/instances", json={"name": "c"})
    assert made.status_code == 201, made.text
    deleted = await api.delete(BASE, params={"name": "a,b,c"})
    assert deleted.status_code == 200, deleted.text
    left = (await api.get(BASE, params={"type": "instance"})).json()
    assert left["total"] == 0
    exported = await api.get(f"{BASE}/a-template/yaml")
    assert "kind: RayService" in exported.text


async def test_an_import_path_serve_would_judge_is_accepted_as_kuberay_accepts_it(
    api: httpx.AsyncClient,
) -> None:
    config = SERVE_CONFIG.replace("serve_apps:greeter", "ray-operator.config.samples.dag:DagNode")
    response = await api.post(BASE, json=rayservice("dashes", serve_config=config))
    assert response.status_code == 201, response.text
