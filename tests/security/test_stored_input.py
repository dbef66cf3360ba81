"""Findings 3 and 4: nothing malformed is ever stored, so one tenant's bad body cannot break a
list for everyone. Against a real ``raydeck up``; every object is a template or suspended, so no
Ray process starts.
"""

from __future__ import annotations

import httpx
import yaml

from tests.security.conftest import TEAM, token_of
from tests.support.samples import raycluster
from tests.support.server import Server

BASE = f"/api/v1/namespaces/{TEAM}/rayclusters"
#: A valid cluster holding six levels of anchors, each referring ten times to the one before.
ALIASES = "\n".join(
    [
        yaml.safe_dump(raycluster("aliases", suspend=True), sort_keys=False).rstrip(),
        "  anchors:",
        "    a0: &a0 [xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]",
        *(f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)),
        "  x: *a6",
    ]
)


def _cluster_with(name: str, **extra: object) -> dict[str, object]:
    body = raycluster(name, suspend=True)
    body["spec"].update(extra)  # type: ignore[attr-defined]
    return body


async def _refused(client: httpx.AsyncClient, response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    causes = [c["field"] for c in response.json()["details"]["causes"]]
    assert any(field in c for c in causes), causes
    listed = await client.get(BASE)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


async def test_an_integer_beyond_int64_anywhere_is_refused_naming_its_path(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "alice")) as alice:
        unknown = await alice.post(BASE, json=_cluster_with("big-int", extra={"n": 10**20}))
        await _refused(alice, unknown, "spec.extra.n")
        body = raycluster("big-replicas", suspend=True)
        body["spec"]["workerGroupSpecs"][0]["replicas"] = 10**20
        replicas = await alice.post(BASE, json=body)
        await _refused(alice, replicas, "spec.workerGroupSpecs[0].replicas")
        everyone = await alice.get("/api/v1/rayclusters")
        assert everyone.status_code == 200


async def test_an_infinite_cpu_quantity_is_refused_naming_the_field(edge: Server) -> None:
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "alice")) as alice:
        body = raycluster("big-cpu", suspend=True, cpu="1e400")
        response = await alice.post(BASE, json=body)
        await _refused(alice, response, "resources.limits.cpu")


async def test_yaml_aliases_cannot_expand_a_small_body_past_the_limit(edge: Server) -> None:
    assert len(ALIASES) < 2000
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "alice")) as alice:
        response = await alice.post(
            BASE, content=ALIASES, headers={"Content-Type": "application/yaml"}
        )
        await _refused(alice, response, "body")
        assert "expands to more than 4 MiB" in response.text


async def test_deep_json_and_yaml_are_refused_with_a_4xx_not_a_server_error(edge: Server) -> None:
    deep_json = '{"a":' * 100_000 + "1" + "}" * 100_000
    deep_yaml = "a: " + "[" * 5_000 + "]" * 5_000
    shallow_enough = raycluster("deep", suspend=True)
    nested: dict[str, object] = {}
    shallow_enough["spec"]["deep"] = nested
    for _ in range(70):
        nested["n"] = nested = {}
    async with httpx.AsyncClient(base_url=edge.url, headers=await token_of(edge, "alice")) as alice:
        for content, kind in ((deep_json, "json"), (deep_yaml, "yaml")):
            response = await alice.post(
                BASE, content=content, headers={"Content-Type": f"application/{kind}"}
            )
            await _refused(alice, response, "body")
        response = await alice.post(BASE, json=shallow_enough)
        await _refused(alice, response, "spec.deep.n")
        assert "nested more than 64 levels" in response.text
    log = (edge.data_dir / "server-up.log").read_text()
    assert "Traceback" not in log
