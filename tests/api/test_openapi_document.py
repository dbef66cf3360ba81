"""The OpenAPI document describes every body: each answer has a schema, the request bodies of
users, quotas and namespaces are their models', and what the routes really answer fits it."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema
import pytest
from pydantic import BaseModel

from raydeck.api.models.accounts import NewToken, NewUser, UserChange
from raydeck.api.models.namespaces import NewNamespace, QuotaSpec
from tests.support.samples import raycluster, rayjob, rayservice

Operations = dict[str, dict[str, Any]]


@pytest.fixture
async def document(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def success_schemas(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        content["schema"]
        for code, response in operation["responses"].items()
        if code.startswith("2")
        for content in response.get("content", {}).values()
        if content.get("schema")
    ]


def refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if "$ref" in node else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


async def test_every_operation_documents_its_answer_and_its_failures(
    document: dict[str, Any],
) -> None:
    found = operations(document)
    assert len(found) >= 50
    without = [f"{m} {p}" for m, p, op in found if not success_schemas(op)]
    assert without == [], without
    for method, path, operation in found:
        failure = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
        assert failure == {"$ref": "#/components/schemas/Status"}, (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_every_reference_in_the_document_resolves(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    dangling = {r for r in refs(document) if r.removeprefix("#/components/schemas/") not in names}
    assert dangling == set()


@pytest.mark.parametrize(
    ("method", "path", "model"),
    [
        ("POST", "/api/v1/users", NewUser),
        ("PATCH", "/api/v1/users/{username}", UserChange),
        ("PUT", "/api/v1/namespaces/{namespace}/quota", QuotaSpec),
        ("POST", "/api/v1/namespaces", NewNamespace),
        ("POST", "/api/v1/tokens", NewToken),
    ],
)
async def test_request_bodies_are_the_models_schemas(
    document: dict[str, Any], method: str, path: str, model: type[BaseModel]
) -> None:
    body = document["paths"][path][method.lower()]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}
    generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
    generated.pop("$defs", None)
    # FastAPI leaves out the ``default: null`` pydantic writes; everything else is the model's.
    for field in generated["properties"].values():
        if field.get("default", "") is None:
            del field["default"]
    # FastAPI writes numeric bounds (ge=0) as numbers: 0.0 is 0 here.
    assert same_numbers(document["components"]["schemas"][model.__name__]) == same_numbers(
        generated
    )


def same_numbers(schema: object) -> object:
    return json.loads(json.dumps(schema), parse_int=float)


async def test_object_bodies_are_the_kinds_models(document: dict[str, Any]) -> None:
    create = document["paths"]["/api/v1/namespaces/{namespace}/rayjobs"]["post"]
    content = create["requestBody"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/RayJob"}
    assert content["application/yaml"]["schema"]["type"] == "string"
    assert success_schemas(create) == [{"$ref": "#/components/schemas/RayJob"}]
    listed = document["paths"]["/api/v1/rayservices"]["get"]
    assert success_schemas(listed) == [{"$ref": "#/components/schemas/RayServiceList"}]


class Checker:
    """Checks real answers against the schema the document gives for their operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        self._routes = [
            (method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), operation)
            for method, path, operation in operations(document)
        ]
        self.checked: set[str] = set()

    def check(self, response: httpx.Response) -> None:
        assert response.is_success, response.text
        method, path = response.request.method, response.request.url.path
        operation = next(
            (op for m, pattern, op in self._routes if m == method and pattern.match(path)), None
        )
        assert operation is not None, f"{method} {path} is not in the document"
        schema = operation["responses"][str(response.status_code)]["content"]["application/json"]
        root = {"components": self._document["components"], **schema["schema"]}
        jsonschema.validate(response.json(), root, cls=jsonschema.Draft202012Validator)
        self.checked.add(operation["operationId"])


async def test_what_the_routes_answer_fits_the_document(
    api: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    checker = Checker(document)
    check = checker.check
    base = "/api/v1/namespaces/default"
    check(await api.post(f"{base}/rayclusters", json=raycluster("fits")))
    check(await api.post(f"{base}/rayjobs", json=rayjob("fits")))
    check(await api.post(f"{base}/rayservices", json=rayservice("fits")))
    for kind in ("rayclusters", "rayjobs", "rayservices"):
        check(await api.get(f"/api/v1/{kind}"))
        check(await api.get(f"{base}/{kind}/fits"))
        check(await api.get(f"{base}/{kind}/fits/events"))
        check(await api.get(f"{base}/{kind}/fits/pods"))
        check(await api.get(f"{base}/{kind}/fits/endpoints"))
    template = await api.post(f"{base}/rayclusters/fits/template", json={"name": "fits-t"})
    check(template)
    check(await api.post(f"{base}/rayclusters/fits-t/instances", json={"name": "fits-2"}))
    check(await api.post(f"{base}/rayclusters/fits-2/stop"))
    check(await api.post(f"{base}/rayclusters/fits-2/start"))
    check(await api.patch(f"{base}/rayclusters/fits", json={"metadata": {"labels": {"a": "b"}}}))
    check(await api.delete(f"{base}/rayjobs/fits"))
    check(await api.delete(f"{base}/rayservices", params={"name": ["fits", "nowhere"]}))
    check(await api.post("/api/v1/namespaces", json={"name": "fits"}))
    check(await api.get("/api/v1/namespaces"))
    check(await api.put(f"{base}/quota", json={"cpu": "8", "nodes": 4}))
    check(await api.get(f"{base}/quota"))
    check(await api.get(f"{base}/queue"))
    check(await api.post("/api/v1/users", json={"username": "fit", "password": "a" * 12}))
    check(await api.patch("/api/v1/users/fit", json={"role": "cluster-admin"}))
    check(await api.get("/api/v1/users"))
    check(await api.post("/api/v1/tokens", json={"description": "fits"}))
    check(await api.get("/api/v1/tokens"))
    check(await api.get("/api/v1/whoami"))
    check(await api.get("/api/v1/audit"))
    check(await api.get("/api/v1/overview"))
    check(await api.delete("/api/v1/namespaces/fits"))
    check(await api.get("/healthz"))
    assert len(checker.checked) >= 30
