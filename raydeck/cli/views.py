"""What the CLI shows of an object (RayCluster, RayJob, RayService, ConfigMap, Secret), read
once into a view.

``output.py`` builds its table rows and ``describe`` from a ``Shown``; ``Shown.of`` reads the
object as the server sent it. Views are lenient (every field optional, unknown ones ignored):
the server validated the object, and a listing must never refuse to show one. Nothing here
formats text.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from raydeck.cli.replies import Reply, read
from raydeck.resources.meta import CREATOR_ANNOTATION, Condition, ObjectMeta
from raydeck.resources.summary import service_state

TYPE_ANNOTATION = "raydeck.io/type"


class View(Reply):
    """A part of an object as the CLI reads it."""


class Queue(View):
    """raydeck's admission queue entry (local platform): where the cluster waits, and why."""

    position: int | None = None
    reason: str | None = None


class ClusterSpecView(View):
    ray_version: str | None = None


class SpecView(ClusterSpecView):
    suspend: bool | None = None
    ray_cluster_spec: ClusterSpecView | None = None  # RayJob
    ray_cluster_config: ClusterSpecView | None = None  # RayService

    def any_ray_version(self) -> str:
        """The object's own ``rayVersion``, else that of the cluster it describes."""
        for cluster in (self, self.ray_cluster_spec, self.ray_cluster_config):
            if cluster is not None and cluster.ray_version:
                return cluster.ray_version
        return ""


class ClusterStatusView(View):
    queue: Queue | None = None


class AppView(View):
    status: str | None = None


class ServedView(View):
    """A RayService's ``activeServiceStatus`` or ``pendingServiceStatus``."""

    ray_cluster_name: str | None = None
    application_statuses: dict[str, AppView] = Field(default_factory=dict)


class StatusView(View):
    """The status fields of all three kinds the CLI shows; each kind sets its own."""

    # RayCluster
    state: str | None = None
    ready_worker_replicas: int = 0
    desired_worker_replicas: int = 0
    desired_cpu: str = Field(default="-", alias="desiredCPU")
    desired_memory: str = "-"
    desired_gpu: str = Field(default="-", alias="desiredGPU")
    endpoints: dict[str, str] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    queue: Queue | None = None
    # RayJob
    job_status: str | None = None
    job_deployment_status: str | None = None
    ray_cluster_name: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    ray_cluster_status: ClusterStatusView | None = None
    # RayService
    active_service_status: ServedView = Field(default_factory=ServedView)
    pending_service_status: ServedView = Field(default_factory=ServedView)
    num_serve_endpoints: int = 0


class Shown(View):
    kind: str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: SpecView = Field(default_factory=SpecView)
    status: StatusView = Field(default_factory=StatusView)
    data: dict[str, str] | None = None  # ConfigMap, Secret (a Secret's values never shown)
    secret_type: str = Field(default="", alias="type")  # Secret: Opaque, kubernetes.io/tls, ...
    #: A RayService's one word (``resources.summary.service_state``); empty for other kinds.
    service_state: str = ""

    @classmethod
    def of(cls, obj: dict[str, Any]) -> Shown:
        """``obj``: the JSON the server sent, kept raw by callers because they print it back."""
        shown = read(cls, obj, what="the object")
        if shown.kind == "RayService":
            # service_state reads the conditions as the server wrote them, as the store does.
            shown.service_state = service_state(obj.get("spec") or {}, obj.get("status") or None)
        return shown

    @property
    def type(self) -> str:
        """template or instance."""
        return (self.metadata.annotations or {}).get(TYPE_ANNOTATION, "instance")

    @property
    def creator(self) -> str:
        return (self.metadata.annotations or {}).get(CREATOR_ANNOTATION, "-")

    @property
    def suspended(self) -> bool:
        return bool(self.spec.suspend)

    def waiting(self) -> str:
        """Queued (raydeck's admission queue holds it), else pending."""
        return "Queued" if self.status.queue and not self.suspended else "pending"

    def queue_reason(self) -> str:
        """Why a cluster (or a RayJob's or RayService's) waits in the admission queue, with its
        place; empty when nothing waits."""
        status, queue = self.status, None
        if self.suspended:
            return ""
        if self.kind == "RayCluster" and not status.state:
            queue = status.queue
        elif self.kind == "RayJob" and status.job_deployment_status == "Initializing":
            queue = (status.ray_cluster_status or ClusterStatusView()).queue
        elif self.kind == "RayService":
            queue = status.queue
        if queue is None:
            return ""
        return f"position {queue.position}: {queue.reason}"

    def state(self) -> str:
        """The one word ``describe`` shows for where the object is."""
        if self.kind == "RayService":
            return self.service_state
        return self.status.state or self.status.job_deployment_status or self.waiting()
