"""A user's mistake in a spec is a 422 or an event and a condition, never a traceback (finding 10).

The apply-time checks run against the in-memory platform; what only the local platform can
find out (two ConfigMap items needing one path as a file and a directory) runs its real
reconciler, which fails before any Ray process would start.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import httpx
import pytest

from tests.support.local_app import local_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

BASE = "/api/v1/namespaces/default/rayclusters"
CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "code"},
    "data": {"main.py": "print('hi')\n", "other.txt": "x"},
}


def with_code_volume(items: list[dict[str, str]]) -> dict[str, Any]:
    body = raycluster("mistaken", workers=0)
    template = body["spec"]["headGroupSpec"]["template"]["spec"]
    template["volumes"] = [{"name": "code", "configMap": {"name": "code", "items": items}}]
    template["containers"][0]["volumeMounts"] = [{"name": "code", "mountPath": "/home/ray/code"}]
    return body


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("volumes[0].configMap.items[0].path", lambda t: t["volumes"][0]["configMap"]["items"][0]),
        ("containers[0].env[0].value", lambda t: t["containers"][0].setdefault("env", [{}])[0]),
    ],
)
async def test_a_nul_byte_in_a_pod_template_is_422_naming_the_field(
    api: httpx.AsyncClient, field: str, change: Any
) -> None:
    body = with_code_volume([{"key": "main.py", "path": "main.py"}])
    template = body["spec"]["headGroupSpec"]["template"]["spec"]
    target = change(template)
    if "path" in target:
        target["path"] = "main\x00.py"
    else:
        target.update(name="GREETING", value="hel\x00lo")

    response = await api.post(BASE, json=body)

    assert response.status_code == 422, response.text
    causes = [c["field"] for c in response.json()["details"]["causes"]]
    assert causes == [f"spec.headGroupSpec.template.spec.{field}"]
    assert (await api.get(f"{BASE}/mistaken")).status_code == 404


@pytest.mark.ray
async def test_conflicting_item_paths_become_an_event_and_a_condition_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = [{"key": "main.py", "path": "lib"}, {"key": "other.txt", "path": "lib/other.txt"}]
    caplog.set_level(logging.INFO)
    async with local_raydeck() as api:
        assert (await api.post("/api/v1/namespaces/default/configmaps", json=CONFIGMAP)).is_success
        assert (await api.post(BASE, json=copy.deepcopy(with_code_volume(items)))).is_success

        async def failure() -> dict[str, Any] | None:
            status = (await api.get(f"{BASE}/mistaken")).json().get("status") or {}
            found = [c for c in status.get("conditions") or [] if c["type"] == "ReplicaFailure"]
            return found[0] if found and found[0]["status"] == "True" else None

        condition = await eventually(failure, timeout=60, what="a ReplicaFailure condition")
        events = (await api.get(f"{BASE}/mistaken/events")).json()["items"]

    field = "spec.headGroupSpec.template.spec.volumes[0].configMap.items[1].path"
    assert condition["reason"] == "FailedCreateHeadPod" and field in condition["message"]
    assert "'lib'" in condition["message"] and "Errno" not in condition["message"]
    failed = [e for e in events if e["reason"] == "FailedCreateNode"]
    assert failed and field in failed[0]["message"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback reached the log"
