"""Bodies of namespaces, their quotas and admission queues (``routes/namespaces.py``).

A quota's quantities and counts are checked here; the quota manager keeps them and the
admission step (``platforms/admission.py``) or Kueue enforces them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from raydeck.api.models.common import Wire
from raydeck.resources.quantity import parse_quantity
from raydeck.resources.wellformed import INT64_MAX


class NamespaceName(BaseModel):
    name: str | None = None


class NewNamespace(BaseModel):
    """``{"name": ...}``, or a Namespace object: ``{"metadata": {"name": ...}}``."""

    name: str | None = None
    metadata: NamespaceName | None = None

    def wanted_name(self) -> str | None:
        return self.name or (self.metadata.name if self.metadata else None)


class NamespaceMetadata(Wire):
    name: str
    uid: str
    creation_timestamp: str


class Namespace(Wire):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Namespace"] = "Namespace"
    metadata: NamespaceMetadata


class NamespaceList(Wire):
    api_version: Literal["v1"] = "v1"
    kind: Literal["NamespaceList"] = "NamespaceList"
    items: list[Namespace]


def _quantity(value: str | int | float) -> str | int | float:
    if parse_quantity(value) < 0:  # ValueError names what is wrong with the text
        raise ValueError("must not be negative")
    return value


#: A Kubernetes quantity (``500m``, ``2``, ``4Gi``), not negative.
Quantity = Annotated[StrictStr | StrictInt | StrictFloat, AfterValidator(_quantity)]
#: A whole number of things; an int64, as the store keeps it.
Count = Annotated[int, Field(strict=True, ge=0, le=INT64_MAX)]


class QuotaSpec(BaseModel):
    """``PUT …/quota``: the whole quota; a field left out or null is unlimited."""

    model_config = ConfigDict(extra="forbid")

    cpu: Quantity | None = Field(default=None, description="CPU cores, e.g. 4 or 500m")
    memory: Quantity | None = Field(default=None, description="Bytes, e.g. 16Gi")
    gpu: Quantity | None = None
    clusters: Count | None = Field(default=None, description="Clusters running at once")
    nodes: Count | None = Field(default=None, description="Node processes running at once")
    nodes_per_cluster: Count | None = Field(
        default=None, alias="nodesPerCluster", description="Nodes in any one cluster"
    )


class QuotaHard(Wire):
    cpu: str | None
    memory: str | None
    gpu: int | None
    clusters: int | None
    nodes: int | None
    nodes_per_cluster: int | None


class QuotaUsed(Wire):
    cpu: str
    memory: str
    gpu: int
    clusters: int
    nodes: int


class Quota(Wire):
    namespace: str
    hard: QuotaHard
    used: QuotaUsed


class QueuedRequests(Wire):
    cpu: str
    memory: str
    gpu: int
    nodes: int | None = Field(default=None, description="raydeck's own queue only")


class KueueCondition(Wire):
    type: str
    status: str
    reason: str
    message: str


class KueueStatus(Wire):
    """Kueue's Workload for the object, on Kubernetes; also shown as ``status.kueue``."""

    workload: str
    queue_name: str
    cluster_queue: str
    state: Literal["pending", "quotaReserved", "admitted", "evicted", "finished"]
    reason: str
    conditions: list[KueueCondition]


class QueueEntry(Wire):
    kind: str
    name: str
    namespace: str
    position: int = Field(description="1 is tried first; 0: admitted already (Kueue)")
    priority: int
    created_at: str
    reason: str
    requests: QueuedRequests
    kueue: KueueStatus | None = Field(default=None, description="On Kubernetes with Kueue")


class Queue(BaseModel):
    items: list[QueueEntry]
