"""Finding 14 against a real ``raydeck up``: unknown API paths are a 404 ``Status``, and exactly
the routes docs/security.md lists answer without a token."""

from __future__ import annotations

import httpx

from tests.support.server import Server

#: docs/security.md, "Routes without a token".
WITHOUT_TOKEN = {
    ("POST", "/api/v1/login"),
    ("POST", "/api/v1/session"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
}
API_DOCS = ("/openapi.json", "/docs", "/redoc")


async def test_an_unknown_api_path_is_a_404_status_not_the_console(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=edge.headers) as admin:
        for method, path in (("GET", "/api/v1/nothing-here"), ("POST", "/api/v2/rayclusters")):
            response = await admin.request(method, path)
            assert response.status_code == 404, (path, response.text[:200])
            assert response.json()["kind"] == "Status"
            assert response.json()["reason"] == "NotFound"


async def test_only_the_documented_routes_answer_without_a_token(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url) as anonymous:
        for path in API_DOCS:
            assert (await anonymous.get(path)).status_code == 200, path
        paths = (await anonymous.get("/openapi.json")).json()["paths"]
        for path, item in paths.items():
            for method in item:
                concrete = path.replace("{namespace}", "default").replace("{name}", "x")
                concrete = concrete.replace("{username}", "admin").replace("{token_id}", "x")
                response = await anonymous.request(method.upper(), concrete)
                if (method.upper(), path) in WITHOUT_TOKEN:
                    assert response.status_code != 401, (method, path)
                else:
                    assert response.status_code == 401, (method, path, response.status_code)
