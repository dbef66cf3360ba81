"""A node's env from its namespace's ConfigMaps and Secrets, resolved as the kubelet does."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.platforms.local.sources import PodFacts, PodSources, SpecError, container_env

SOURCES = PodSources(
    configmaps={"settings": {"MODE": "fast", "LEVEL": "3", "bad=name": "x"}},
    secrets={"db": {"password": b"s3cr3t", "user": b"ray", "raw": b"\xff\xfe"}},
)
POD = PodFacts(
    name="c-head-abcde",
    namespace="team-a",
    labels={"app": "demo"},
    resources={"limits": {"cpu": "1500m", "memory": "2Gi"}},
)


def env(container: dict[str, Any], sources: PodSources = SOURCES) -> dict[str, str]:
    return container_env(container, where="spec.c", sources=sources, pod=POD)


def ref(kind: str, **fields: Any) -> dict[str, Any]:
    return {"valueFrom": {kind: fields}}


def test_key_refs_envfrom_and_plain_values_in_kubernetes_order() -> None:
    found = env(
        {
            "envFrom": [
                {"configMapRef": {"name": "settings"}},
                {"secretRef": {"name": "db"}, "prefix": "DB_"},
            ],
            "env": [
                {"name": "MODE", "value": "slow"},
                {"name": "PASSWORD", **ref("secretKeyRef", name="db", key="password")},
                {"name": "LEVEL_AGAIN", **ref("configMapKeyRef", name="settings", key="LEVEL")},
            ],
        }
    )
    assert found["MODE"] == "slow" and found["LEVEL"] == "3" and "bad=name" not in found
    assert found["DB_user"] == "ray" and found["PASSWORD"] == "s3cr3t"
    assert found["LEVEL_AGAIN"] == "3"
    assert found["DB_raw"].encode("utf-8", "surrogateescape") == b"\xff\xfe"


def test_a_missing_secret_names_the_field_and_the_secret_never_a_value() -> None:
    container = {"env": [{"name": "P", **ref("secretKeyRef", name="nope", key="password")}]}
    with pytest.raises(SpecError) as caught:
        env(container)
    assert caught.value.path == "spec.c.env[0].valueFrom.secretKeyRef.name"
    assert "secret 'nope' not found" in caught.value.detail
    container = {"env": [{"name": "P", **ref("secretKeyRef", name="db", key="token")}]}
    with pytest.raises(SpecError) as caught:
        env(container)
    assert caught.value.path.endswith("secretKeyRef.key") and "s3cr3t" not in str(caught.value)


def test_optional_references_that_find_nothing_set_nothing() -> None:
    found = env(
        {
            "envFrom": [{"secretRef": {"name": "absent", "optional": True}}],
            "env": [
                {"name": "A", **ref("secretKeyRef", name="absent", key="k", optional=True)},
                {"name": "B", **ref("secretKeyRef", name="db", key="k", optional=True)},
            ],
        }
    )
    assert "A" not in found and "B" not in found


def test_a_name_is_looked_up_only_among_the_namespaces_own_objects() -> None:
    # A name shaped like another namespace's object, or a path, is only a name that is absent.
    for name in ("other-ns/db", "../db", "db/../db"):
        container = {"env": [{"name": "P", **ref("secretKeyRef", name=name, key="password")}]}
        with pytest.raises(SpecError):
            env(container)
    with pytest.raises(SpecError):
        env({"envFrom": [{"secretRef": {"name": "db"}}]}, PodSources(secrets={}))


def test_field_and_resource_refs_read_the_local_pod() -> None:
    found = env(
        {
            "resources": {"limits": {"cpu": "1500m"}},
            "env": [
                {"name": "IP", **ref("fieldRef", fieldPath="status.podIP")},
                {"name": "NAME", **ref("fieldRef", fieldPath="metadata.name")},
                {"name": "NS", **ref("fieldRef", fieldPath="metadata.namespace")},
                {"name": "APP", **ref("fieldRef", fieldPath="metadata.labels['app']")},
                {"name": "CPU", **ref("resourceFieldRef", resource="limits.cpu")},
                {"name": "MEM", **ref("resourceFieldRef", resource="limits.memory", divisor="1Mi")},
            ],
        }
    )
    assert found == {
        "IP": "127.0.0.1",
        "NAME": "c-head-abcde",
        "NS": "team-a",
        "APP": "demo",
        "CPU": "2",
        "MEM": "2048",
    }


def test_a_reference_the_local_platform_cannot_follow_is_an_error_by_field() -> None:
    for source in (
        {"fieldRef": {"fieldPath": "spec.nodeSelector"}},
        {"fileKeyRef": {"path": "x", "key": "y"}},
        {"secretKeyRef": {"name": "db", "key": "password"}, "fieldRef": {"fieldPath": "x"}},
    ):
        with pytest.raises(SpecError) as caught:
            env({"env": [{"name": "X", "valueFrom": source}]})
        assert caught.value.path.startswith("spec.c.env[0].valueFrom")


def test_variables_the_platform_sets_itself_are_not_looked_up() -> None:
    container = {
        "env": [
            {"name": "RAY_AUTH_TOKEN", **ref("secretKeyRef", name="absent", key="t")},
            {"name": "KEPT", "value": "1"},
        ]
    }
    found = container_env(container, where="spec.c", sources=SOURCES, pod=POD, reserved="RAY_AUTH")
    assert found == {"KEPT": "1"}
