"""What monitoring looks at: the running Ray clusters and their nodes, as a platform reports them.

Platforms build these (``Platform.monitoring_targets``); sources, the overview
and health read them. Plain data: no I/O, no knowledge of where Ray runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from raydeck.resources.summary import Totals


@dataclass(frozen=True)
class NodeTarget:
    """One Ray node (a pod): its metrics endpoint, its raylet port and what its pod requests."""

    pod: str
    group: str
    node_type: str
    running: bool
    requests: Totals
    host: str = "127.0.0.1"
    metrics_port: int | None = None
    node_manager_port: int | None = None
    #: Epoch milliseconds when this incarnation of the node was started (0 if unknown).
    started_ms: int = 0
    #: The node's RayCluster and namespace as a Prometheus on Kubernetes labels its series
    #: (``ray_io_cluster`` from KubeRay's PodMonitor relabeling, ``namespace`` and ``pod`` from
    #: the Prometheus operator). Empty where Prometheus knows the node only by its ``instance``.
    cluster: str = ""
    namespace: str = ""

    @property
    def instance(self) -> str | None:
        """The node's metrics endpoint as Prometheus names it (``host:port``)."""
        return f"{self.host}:{self.metrics_port}" if self.metrics_port else None

    @property
    def key(self) -> str:
        """How metric sources key this node's series: ``namespace/pod`` for a node known by its
        cluster's labels, else its metrics endpoint (empty when it has none)."""
        if self.cluster:
            return f"{self.namespace}/{self.pod}"
        return self.instance or ""


@dataclass(frozen=True)
class ClusterTarget:
    """A RayCluster instance with nodes; ``owner_kind`` is set when a RayJob or RayService made it."""

    namespace: str
    name: str
    uid: str
    nodes: tuple[NodeTarget, ...]
    owner_kind: str = ""
    owner_name: str = ""
    suspended: bool = False
    host: str = "127.0.0.1"
    dashboard_port: int | None = None
    #: Headers Ray's dashboard and Jobs API want from raydeck (e.g. the cluster's Ray token).
    dashboard_headers: tuple[tuple[str, str], ...] = ()

    @property
    def running(self) -> bool:
        return any(n.running for n in self.nodes)

    @property
    def dashboard_url(self) -> str | None:
        return f"http://{self.host}:{self.dashboard_port}" if self.dashboard_port else None

    @property
    def head(self) -> NodeTarget | None:
        return next((n for n in self.nodes if n.node_type == "head"), None)
