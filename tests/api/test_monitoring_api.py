"""Monitoring routes as a client sees them, over the in-memory platform (no Ray: no usage figures)."""

from __future__ import annotations

import httpx
import pytest

from raydeck.api.routes.dashboard import gateway_reason, local_location, refuse_ray_login
from raydeck.errors import Forbidden
from raydeck.settings import Settings
from tests.support.samples import raycluster, rayjob

BASE = "/api/v1/namespaces/default/rayclusters"


def with_requests(name: str, cpu: str, memory: str, **kwargs: object) -> dict[str, object]:
    body = raycluster(name, workers=0, **kwargs)  # type: ignore[arg-type]
    container = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": "2"}}
    return body


async def test_overview_counts_running_clusters_and_sums_their_requests(
    api: httpx.AsyncClient,
) -> None:
    await api.post(BASE, json=with_requests("one", "1500m", "1Gi"))
    await api.post(BASE, json=with_requests("two", "250m", "512Mi"))
    await api.post(BASE, json=with_requests("off", "4", "8Gi", suspend=True))
    await api.post(BASE, params={"type": "template"}, json=with_requests("tpl", "8", "8Gi"))
    await api.post("/api/v1/namespaces/default/rayjobs", json=rayjob("finished"))
    response = await api.get("/api/v1/overview", params={"range": "30m"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["range"] == "30m" and body["source"] == "embedded"
    assert body["counts"] == {"rayClusters": 2, "rayJobs": 0, "rayServices": 0, "activeClusters": 2}
    assert body["allocated"]["physical"] == {"cpu": 1.75, "memoryBytes": 1536 * 2**20, "gpu": 0}
    assert body["grafanaUrl"] is None


async def test_overview_rejects_an_unknown_range_naming_the_field(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/overview", params={"range": "2h"})
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "range"
    missing = await api.get("/api/v1/overview", params={"namespace": "nowhere"})
    assert missing.status_code == 404


async def test_overview_links_to_grafana_when_configured(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    settings.monitoring.grafana_url = "http://grafana.example:3000/"
    body = (await api.get("/api/v1/overview", params={"range": "1h"})).json()
    assert body["grafanaUrl"] == (
        "http://grafana.example:3000/d/raydeck-overview/raydeck-overview?from=now-1h&to=now"
    )


async def test_health_and_dashboard_of_a_stopped_or_unknown_cluster_say_why(
    api: httpx.AsyncClient,
) -> None:
    await api.post(BASE, json=raycluster("asleep", suspend=True))
    stopped = await api.get(f"{BASE}/asleep/health")
    assert stopped.status_code == 409 and "not running" in stopped.json()["message"]
    assert (await api.get(f"{BASE}/ghost/health")).status_code == 404
    assert (await api.get(f"{BASE}/ghost/metrics")).status_code == 404
    assert (await api.get("/rayclusters/default/ghost/dashboard/")).status_code == 404


async def test_own_metrics_report_requests_by_route_and_resources_by_state(
    api: httpx.AsyncClient,
) -> None:
    await api.post(BASE, json=raycluster("counted"))
    await api.get(f"{BASE}/counted")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = "/api/v1/namespaces/{namespace}/rayclusters/{name}"
    assert (
        f'raydeck_api_request_duration_seconds_count{{method="GET",route="{route}",status="200"}} 1.0'
        in text
    )
    assert 'raydeck_resources{kind="RayCluster",state="ready",type="instance"} 1.0' in text


def test_a_dashboard_redirect_stays_under_raydecks_prefix_whatever_proxy_wrote_it() -> None:
    via_api_server = (
        "https://127.0.0.1:6443/api/v1/namespaces/ns/services/c-head-svc:dashboard/proxy"
    )
    prefix = "/rayclusters/ns/c/dashboard"
    assert local_location("/#/jobs", "http://127.0.0.1:8265", prefix) == prefix + "/#/jobs"
    for written in (via_api_server + "/jobs", httpx.URL(via_api_server).path + "/jobs"):
        assert local_location(written, via_api_server, prefix) == prefix + "/jobs"
    assert local_location("https://ray.io/", via_api_server, prefix) == "https://ray.io/"
    under = prefix + "/~cap"
    assert local_location("/jobs", "http://127.0.0.1:8265", under) == under + "/jobs"


def test_only_a_kubernetes_status_counts_as_the_gateway_failing() -> None:
    status = b'{"kind":"Status","code":503,"message":"no endpoints available for service \\"s\\""}'
    assert gateway_reason(status) == 'no endpoints available for service "s"'
    assert gateway_reason(b'{"result": false, "msg": "Serve is not running"}') is None
    assert gateway_reason(b"<html>busy</html>") is None


@pytest.mark.parametrize(
    "path", ["api/authenticate", "/api/authenticate", "api//authenticate/", "./API/Authenticate"]
)
def test_rays_own_login_is_refused_however_the_path_is_spelled(path: str) -> None:
    with pytest.raises(Forbidden):
        refuse_ray_login(path)


def test_other_dashboard_paths_pass_the_login_refusal() -> None:
    for path in ("api/jobs/", "api/authentication_mode", "", "static/authenticate.js"):
        refuse_ray_login(path)
