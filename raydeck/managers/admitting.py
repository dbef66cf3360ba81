"""Before a write where raydeck admits clusters: refuse one that can never start, warn of a wait.

``ObjectManager`` calls ``check_admission`` for every instance it creates or
changes; the decision itself is the platform's ``AdmissionQueue`` (its
``preview``), the same one its reconciler follows before it starts a cluster.
"""

from __future__ import annotations

from raydeck.errors import FieldError, InvalidInput
from raydeck.managers.bodies import Draft, is_suspended
from raydeck.managers.warnings import warn
from raydeck.platforms.admission import AdmissionQueue, Demand, describe_need, priority_of
from raydeck.resources import raycluster as rc
from raydeck.resources.kinds import ResourceModel
from raydeck.resources.meta import now_rfc3339
from raydeck.resources.raycluster import RayCluster, RayClusterSpec
from raydeck.resources.rayjob import RayJob
from raydeck.resources.rayservice import RayService
from raydeck.store.records import ObjectKey, StoredObject


def cluster_spec(model: ResourceModel) -> tuple[RayClusterSpec | None, str]:
    """The spec of the cluster the object starts and its JSON path; None if it starts none (a
    ConfigMap, a RayJob on an existing cluster)."""
    if isinstance(model, RayCluster):
        return model.spec, "spec"
    if isinstance(model, RayJob):
        return model.spec.ray_cluster_spec, "spec.rayClusterSpec"
    if isinstance(model, RayService):
        return model.spec.ray_cluster_config, "spec.rayClusterConfig"
    return None, ""


async def check_admission(
    queue: AdmissionQueue | None, namespace: str, draft: Draft, *, current: StoredObject | None
) -> None:
    """Refuse (422) a cluster that can never start as it is, unless it is written stopped;
    warn of one that will wait in the admission queue. Only where raydeck admits (``queue``)."""
    spec, path = cluster_spec(draft.model)
    if queue is None or spec is None:
        return
    if current is not None and _keeps_its_cluster(current.model, spec):
        return
    demand = _demand(namespace, draft.model, spec, queue, current)
    suspended = is_suspended(draft.model)
    preview = await queue.preview(demand, suspended=suspended)
    what = f"{draft.model.kind} {namespace}/{draft.model.metadata.name}"
    asks = describe_need(demand)
    if preview.never and not suspended:
        message = f"{what} can never start as it is: it asks {asks}"
        raise InvalidInput(message, [FieldError(path, preview.never)])
    if preview.never:
        warn(f"{what} is stopped and cannot start as it is: it asks {asks}; {preview.never}")
    elif preview.waits:
        warn(f"{what} waits in the admission queue at {preview.waits} (it asks {asks})")


def _keeps_its_cluster(current: ResourceModel, spec: RayClusterSpec) -> bool:
    """A running RayJob or RayService whose cluster spec is unchanged (as written) starts no
    new cluster; a RayCluster is its own cluster and is always checked."""
    if isinstance(current, RayCluster) or is_suspended(current):
        return False
    before, _ = cluster_spec(current)
    return before is not None and before.to_wire() == spec.to_wire()


def _demand(
    namespace: str,
    model: ResourceModel,
    spec: RayClusterSpec,
    queue: AdmissionQueue,
    current: StoredObject | None,
) -> Demand:
    need = queue.need_of(spec.to_wire())  # the platform counts from the spec as written
    name = model.metadata.name
    own = isinstance(model, RayCluster)
    return Demand(
        key=ObjectKey(rc.KIND, namespace, name if own else f"{name} (its cluster)"),
        priority=priority_of(model.metadata.labels or {}) if own else 0,
        created_at=current.created_at if own and current else now_rfc3339(),
        cpu_millis=need.cpu_millis,
        memory_bytes=need.memory_bytes,
        gpu=need.gpu,
        nodes=need.nodes,
        service=current.uid if current and isinstance(model, RayService) else "",
    )
