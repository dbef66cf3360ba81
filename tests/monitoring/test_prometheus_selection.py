"""Which Prometheus series belong to which node: by cluster labels on Kubernetes, by instance locally.

The queries themselves run against a real Prometheus in test_local_monitoring.py and in
tests/platforms/kubernetes/test_prometheus_metrics.py; here only the selection rules.
"""

from __future__ import annotations

from raydeck.monitoring.prometheus import by_cluster, by_instance, queries, regex_of
from raydeck.monitoring.targets import NodeTarget
from raydeck.resources.summary import Totals


def node(pod: str, *, cluster: str = "", namespace: str = "", host: str = "10.0.0.1") -> NodeTarget:
    return NodeTarget(
        pod=pod,
        group="headgroup",
        node_type="head",
        running=True,
        requests=Totals(),
        host=host,
        metrics_port=8080,
        cluster=cluster,
        namespace=namespace,
    )


def test_a_kubernetes_node_is_found_by_namespace_cluster_and_pod_else_its_instance() -> None:
    head = node("c-head-x", cluster="c", namespace="team-a", host="10.0.0.7")
    selector, owner = by_cluster([head])
    assert selector == 'namespace=~"team\\\\-a",ray_io_cluster=~"c"'
    assert owner({"namespace": "team-a", "ray_io_cluster": "c", "pod": "c-head-x"}) is head
    # A Prometheus without the operator's pod label: the instance (pod IP:port) decides.
    assert (
        owner({"namespace": "team-a", "ray_io_cluster": "c", "instance": "10.0.0.7:8080"}) is head
    )
    # The same cluster name in another namespace, or another pod, is someone else's.
    assert owner({"namespace": "team-b", "ray_io_cluster": "c", "pod": "c-head-x"}) is None
    assert owner({"namespace": "team-a", "ray_io_cluster": "c", "pod": "c-head-y"}) is None
    assert head.key == "team-a/c-head-x"


def test_a_local_node_is_found_by_its_instance() -> None:
    local = node("a-head", host="127.0.0.1")
    selector, owner = by_instance([local])
    assert selector == 'instance=~"127\\\\.0\\\\.0\\\\.1:8080"'
    assert owner({"instance": "127.0.0.1:8080", "ray_io_cluster": "a"}) is local
    assert owner({"instance": "127.0.0.1:8081"}) is None
    assert local.key == "127.0.0.1:8080"


def test_queries_apply_the_selector_to_every_metric() -> None:
    for query in queries('ray_io_cluster=~"c"').values():
        assert query.count('ray_io_cluster=~"c"') == query.count("{") >= 1, query
    assert regex_of(['a"b', "a\\b"]) == 'a\\"b|a\\\\\\\\b'
