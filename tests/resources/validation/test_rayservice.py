"""RayService validation follows KubeRay's rules; serveConfigV2 problems come with their line."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources import rayservice as rs
from raydeck.resources.serve_config import parse_serve_config
from raydeck.resources.summary import summarize
from raydeck.resources.validation.rayservice import parse_rayservice
from tests.support.samples import SERVE_CONFIG, rayservice


def errors(body: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_rayservice(body)
    found: dict[str, list[str]] = {}
    for e in caught.value.errors:
        found.setdefault(e.path, []).append(e.message)
    return found


def test_sample_is_valid_keeps_its_fields_and_has_kuberay_defaults() -> None:
    body = rayservice(serveService={"spec": {"type": "ClusterIP"}})
    service = parse_rayservice(body)
    assert service.to_wire() == body
    assert service.spec.upgrade_type() == rs.UpgradeType.NEW_CLUSTER
    assert service.spec.deletion_delay() == 60
    config, problems = parse_serve_config(service.spec.serve_config_v2)
    assert problems == [] and config is not None
    assert [(a.name, a.route_prefix) for a in config.apps] == [
        ("greeter", "/greet"),
        ("echo", "/echo"),
    ]


def test_name_is_at_most_47_characters_and_dns_1035() -> None:
    assert any("47" in m for m in errors(rayservice("s" * 48))["metadata.name"])
    assert any("DNS-1035" in m for m in errors(rayservice("1svc"))["metadata.name"])


def test_spec_rules_name_their_fields() -> None:
    bad_type = errors(rayservice(upgradeStrategy={"type": "Sometimes"}))
    assert "'NewCluster'" in bad_type["spec.upgradeStrategy.type"][0]
    body = rayservice(
        rayClusterDeletionDelaySeconds=-1,
        upgradeStrategy={"type": "NewClusterWithIncrementalUpgrade"},
        serviceUnhealthySecondThreshold=0,
    )
    body["spec"]["rayClusterConfig"]["headGroupSpec"]["headService"] = {
        "metadata": {"name": "mine"}
    }
    found = errors(body)
    assert "spec.rayClusterDeletionDelaySeconds" in found
    assert "spec.upgradeStrategy.type" in found
    assert "spec.serviceUnhealthySecondThreshold" in found
    assert "spec.rayClusterConfig.headGroupSpec.headService.metadata.name" in found


def test_cluster_config_follows_raycluster_rules() -> None:
    body = rayservice()
    body["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"] = []
    assert "spec.rayClusterConfig.headGroupSpec.template.spec.containers" in errors(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Required value"),
        ("applications: [\n", "line 2: not valid YAML"),
        ("- a\n- b\n", "line 1: must be a mapping"),
        ("applications: []\n", "line 1: 'applications' must be a non-empty list"),
        (SERVE_CONFIG.replace("name: echo", "name: greeter"), "line 10: application name"),
        (SERVE_CONFIG.replace("/echo", "/greet"), "line 10: route_prefix '/greet'"),
        (SERVE_CONFIG.replace("route_prefix: /echo", "route_prefix: echo"), "line 11:"),
        (SERVE_CONFIG.replace("    import_path: serve_apps:echo\n", ""), "needs an 'import_path'"),
    ],
)
def test_serve_config_problems_come_with_their_line(text: str, expected: str) -> None:
    messages = errors(rayservice(serve_config=text))["spec.serveConfigV2"]
    assert any(expected in m for m in messages), messages


def test_an_application_without_route_prefix_is_fine_twice() -> None:
    text = (
        "applications:\n"
        "  - {name: a, import_path: m:a, route_prefix: null}\n"
        "  - {name: b, import_path: m:b, route_prefix: null}\n"
    )
    config, problems = parse_serve_config(text)
    assert problems == [] and config is not None
    assert [a.route_prefix for a in config.apps] == [None, None]


def test_config_for_a_local_cluster_pins_the_proxy_to_the_head_and_its_port() -> None:
    config, _ = parse_serve_config(SERVE_CONFIG + "http_options: {port: 8000, host: 0.0.0.0}\n")
    assert config is not None
    document = config.for_local_cluster(port=24567)
    assert document["http_options"] == {"port": 24567, "host": "127.0.0.1"}
    assert document["proxy_location"] == "HeadOnly"
    assert config.document["http_options"]["port"] == 8000  # the user's document is untouched


def test_fingerprint_ignores_layout_but_not_meaning() -> None:
    a, _ = parse_serve_config(SERVE_CONFIG)
    b, _ = parse_serve_config(SERVE_CONFIG.replace("{num_cpus: 0.1}", "\n          num_cpus: 0.1"))
    c, _ = parse_serve_config(SERVE_CONFIG.replace("greeting: hello", "greeting: hi"))
    assert a is not None and b is not None and c is not None
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


@pytest.mark.parametrize(
    ("conditions", "state"),
    [
        ([], "initializing"),
        ([{"type": "Ready", "status": "True"}], "ready"),
        ([{"type": "Ready", "status": "False", "reason": "ZeroServeEndpoints"}], "unavailable"),
        (
            [{"type": "Ready", "status": "True"}, {"type": "UpgradeInProgress", "status": "True"}],
            "upgrading",
        ),
        ([{"type": "Suspended", "status": "True"}], "suspended"),
    ],
)
def test_list_state_reads_the_conditions(conditions: list[dict[str, str]], state: str) -> None:
    body = rayservice()
    assert summarize("RayService", body, {"conditions": conditions}).state == state
    assert summarize("RayService", body, None).state == "pending"


def test_what_an_import_path_names_is_left_to_serve_as_kuberay_leaves_it() -> None:
    text = SERVE_CONFIG.replace("serve_apps:echo", "ray-operator.config.samples.dag:DagNode")
    config, problems = parse_serve_config(text)
    assert problems == [] and config is not None
    assert "ray-operator.config.samples.dag:DagNode" in [a.import_path for a in config.apps]
