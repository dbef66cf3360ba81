"""Admission of clusters on one machine: namespace quotas, machine capacity, and a queue.

A pure decision, Kueue-like: waiting clusters are ordered by the priority in their
``raydeck.io/priority`` label (higher first), then by creation time; in that order each
is admitted if it fits beside what runs and what was admitted before it, else it keeps its
place (a smaller cluster behind a blocked one may start). A cluster counts its pods'
requests and its nodes; the local platform counts what Ray is told where that is more
(``platforms/local/nodes.cluster_need``). A RayService's new cluster replaces its old one:
the pair counts once. The reconciler, the queue API and create's warnings (``preview``) all
ask ``decide``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from raydeck.errors import FieldError, InvalidInput
from raydeck.resources import raycluster as rc
from raydeck.resources.quantity import format_bytes, format_cpu, to_int_ceil, to_millis
from raydeck.resources.summary import cluster_spec_totals
from raydeck.settings import LocalPlatformSettings
from raydeck.store import accounts
from raydeck.store.accounts import QuotaRecord
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

PRIORITY_LABEL = "raydeck.io/priority"
CLUSTER_KIND = "RayCluster"
OWNER_KIND_LABEL = "ray.io/originated-from-crd"
OWNER_UID_LABEL = "raydeck.io/owner-uid"
#: Memory a Ray node takes before it runs anything (raylet, agents, and on the head GCS and
#: dashboard), from which the default node capacity of a machine follows.
NODE_FOOTPRINT_BYTES = 512 * 2**20
MIN_DEFAULT_NODES = 4


@dataclass(frozen=True)
class Need:
    """What one cluster spec asks of the machine: CPU, memory, GPUs and node processes."""

    cpu_millis: int = 0
    memory_bytes: int = 0
    gpu: int = 0
    nodes: int = 0

    def __add__(self, other: Need) -> Need:
        return Need(
            self.cpu_millis + other.cpu_millis,
            self.memory_bytes + other.memory_bytes,
            self.gpu + other.gpu,
            self.nodes + other.nodes,
        )

    def times(self, count: int) -> Need:
        return Need(
            self.cpu_millis * count, self.memory_bytes * count, self.gpu * count, self.nodes * count
        )


NeedOf = Callable[[Mapping[str, Any]], Need]


@dataclass(frozen=True)
class Demand:
    """What one cluster asks for, its priority and its age; ``service`` is the uid of the
    RayService it belongs to (its other cluster is the one it replaces)."""

    key: ObjectKey
    priority: int
    created_at: str
    cpu_millis: int
    memory_bytes: int
    gpu: int
    nodes: int = 1
    service: str = ""

    @property
    def namespace(self) -> str:
        return self.key.namespace


@dataclass(frozen=True)
class Capacity:
    """What the machine offers; ``None`` means that resource is not limited."""

    cpu_millis: int | None
    memory_bytes: int | None
    gpu: int | None
    nodes: int | None = None


@dataclass(frozen=True)
class Decision:
    admitted: bool
    #: 1-based place among the clusters still waiting in the same namespace; 0 when admitted.
    position: int = 0
    reason: str = ""


@dataclass
class _Usage:
    cpu_millis: int = 0
    memory_bytes: int = 0
    gpu: int = 0
    clusters: int = 0
    nodes: int = 0

    def add(self, demand: Demand, sign: int = 1) -> None:
        self.cpu_millis += sign * demand.cpu_millis
        self.memory_bytes += sign * demand.memory_bytes
        self.gpu += sign * demand.gpu
        self.nodes += sign * demand.nodes
        self.clusters += sign

    def without(self, demand: Demand | None) -> _Usage:
        """The usage with ``demand`` taken out (the old cluster a new one replaces)."""
        result = replace(self)
        if demand is not None:
            result.add(demand, -1)
        return result


@dataclass
class _Ledger:
    machine: _Usage = field(default_factory=_Usage)
    namespaces: dict[str, _Usage] = field(default_factory=lambda: defaultdict(_Usage))
    #: A running cluster of each RayService, by the service's uid.
    services: dict[str, Demand] = field(default_factory=dict)

    def add(self, demand: Demand) -> None:
        self.machine.add(demand)
        self.namespaces[demand.namespace].add(demand)
        if demand.service:
            self.services.setdefault(demand.service, demand)


def priority_of(labels: Mapping[str, object]) -> int:
    """The label's integer value; anything else (absent, not a number) is priority 0."""
    try:
        return int(str(labels.get(PRIORITY_LABEL, 0)))
    except ValueError:
        return 0


def requested_need(spec: Mapping[str, Any]) -> Need:
    """What a cluster spec's pods request, one node per pod: the count where raydeck does not
    launch the nodes itself (the local platform counts its ``ray start`` flags too)."""
    totals = cluster_spec_totals(spec)
    nodes = 1 + sum(_replicas(g) for g in spec.get("workerGroupSpecs") or [])
    return Need(totals.cpu_millis, totals.memory_bytes, totals.gpu, nodes)


def _replicas(group: Mapping[str, Any]) -> int:
    try:
        return rc.WorkerGroupSpec.model_validate(group).desired_replicas()
    except ValidationError:
        return 0


def demand_of(obj: StoredObject, need_of: NeedOf = requested_need) -> Demand:
    need = need_of(obj.spec)
    labels = (obj.body.get("metadata") or {}).get("labels") or {}
    service = labels.get(OWNER_UID_LABEL) if labels.get(OWNER_KIND_LABEL) == "RayService" else ""
    return Demand(
        key=obj.key,
        priority=priority_of(labels),
        created_at=obj.created_at,
        cpu_millis=need.cpu_millis,
        memory_bytes=need.memory_bytes,
        gpu=need.gpu,
        nodes=need.nodes,
        service=str(service or ""),
    )


def queue_order(waiting: Iterable[Demand]) -> list[Demand]:
    return sorted(waiting, key=lambda d: (-d.priority, d.created_at, d.key.namespace, d.key.name))


def decide(
    *,
    running: Iterable[Demand],
    waiting: Iterable[Demand],
    quotas: Mapping[str, QuotaRecord],
    machine: Capacity,
) -> dict[ObjectKey, Decision]:
    ledger = _Ledger()
    for demand in running:
        ledger.add(demand)
    decisions: dict[ObjectKey, Decision] = {}
    places: dict[str, int] = defaultdict(int)
    for demand in queue_order(waiting):
        quota = quotas.get(demand.namespace) or QuotaRecord(demand.namespace)
        replaced = ledger.services.get(demand.service) if demand.service else None
        blocker = _quota_blocker(
            demand, ledger.namespaces[demand.namespace].without(replaced), quota
        ) or _machine_blocker(demand, ledger.machine.without(replaced), machine)
        if blocker is None:
            ledger.add(demand)
            decisions[demand.key] = Decision(True)
        else:
            places[demand.namespace] += 1
            decisions[demand.key] = Decision(False, places[demand.namespace], blocker)
    return decisions


def never_admitted(demand: Demand, quota: QuotaRecord, machine: Capacity) -> str | None:
    """Why ``demand`` could not start even alone on an empty machine; None if it could."""
    return _quota_blocker(demand, _Usage(), quota) or _machine_blocker(demand, _Usage(), machine)


def _quota_blocker(demand: Demand, used: _Usage, quota: QuotaRecord) -> str | None:
    where = f"the quota of namespace {demand.namespace!r}"
    if quota.clusters is not None and used.clusters + 1 > quota.clusters:
        return (
            f"{where} (field clusters) allows {quota.clusters} running cluster(s) and "
            f"{used.clusters} run"
        )
    if quota.nodes_per_cluster is not None and demand.nodes > quota.nodes_per_cluster:
        return (
            f"it has {demand.nodes} nodes and {where} (field nodesPerCluster) allows "
            f"{quota.nodes_per_cluster} per cluster"
        )
    limits = (quota.cpu_millis, quota.memory_bytes, quota.gpu, quota.nodes)
    return _first_over(demand, used, limits, lambda field: f"{where} (field {field})")


def _machine_blocker(demand: Demand, used: _Usage, machine: Capacity) -> str | None:
    limits = (machine.cpu_millis, machine.memory_bytes, machine.gpu, machine.nodes)
    return _first_over(
        demand,
        used,
        limits,
        lambda field: f"this machine (setting RAYDECK_LOCAL__CAPACITY_{field.upper()})",
    )


def _first_over(
    demand: Demand,
    used: _Usage,
    limits: tuple[int | None, int | None, int | None, int | None],
    where: Callable[[str], str],
) -> str | None:
    checks: tuple[tuple[str, str, int, int, Callable[[int], str]], ...] = (
        ("CPU", "cpu", demand.cpu_millis, used.cpu_millis, _cpu),
        ("memory", "memory", demand.memory_bytes, used.memory_bytes, _bytes),
        ("GPU", "gpu", demand.gpu, used.gpu, str),
        ("nodes", "nodes", demand.nodes, used.nodes, str),
    )
    for (name, field_name, wanted, in_use, shown), limit in zip(checks, limits, strict=True):
        if limit is not None and wanted and in_use + wanted > limit:
            free = max(limit - in_use, 0)
            never = " (more than it will ever have)" if wanted > limit else ""
            return (
                f"it needs {shown(wanted)} {name} and {where(field_name)} has "
                f"{shown(free)} of {shown(limit)} free{never}"
            )
    return None


def _cpu(millis: int) -> str:
    return format_cpu(millis)


def _bytes(count: int) -> str:
    """Exact where a large binary unit divides it (``3Gi``, ``512Mi``), else to a tenth of a
    GiB (``23.5Gi``) or MiB: a machine's memory is rarely a round number."""
    exact = format_bytes(count)
    if exact.endswith(("Gi", "Ti", "Pi", "Ei")) or (exact.endswith("Mi") and count < 2**30):
        return exact
    if count >= 2**30:
        return f"{count / 2**30:.1f}Gi"
    return f"{count / 2**20:.1f}Mi" if count >= 2**20 else exact


def machine_capacity() -> Capacity:
    """This machine as admission sees it when nothing is set: CPU is not a hard limit (Ray's
    CPUs are logical, and more of them than cores only share the cores), memory is the
    physical memory, nodes one per ``NODE_FOOTPRINT_BYTES`` of it; GPUs Ray counts itself."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return Capacity(
        cpu_millis=None,
        memory_bytes=memory,
        gpu=None,
        nodes=max(MIN_DEFAULT_NODES, memory // NODE_FOOTPRINT_BYTES),
    )


def capacity_from(local: LocalPlatformSettings) -> Capacity:
    """The machine's capacity with the configured overrides (``RAYDECK_LOCAL__CAPACITY_*``)."""
    detected = machine_capacity()
    try:
        memory = None if local.capacity_memory is None else to_int_ceil(local.capacity_memory)
    except ValueError as e:
        raise InvalidInput(
            "the local platform settings are invalid",
            [FieldError("local.capacity_memory", str(e))],
        ) from None
    return Capacity(
        cpu_millis=None if local.capacity_cpu is None else to_millis(local.capacity_cpu),
        memory_bytes=detected.memory_bytes if memory is None else memory,
        gpu=local.capacity_gpu,
        nodes=detected.nodes if local.capacity_nodes is None else local.capacity_nodes,
    )


@dataclass(frozen=True)
class Preview:
    """What admission will make of a cluster about to be written: ``never`` when it can never
    start as it is, else ``waits`` (its place and why) when it would queue; empty when it starts."""

    never: str = ""
    waits: str = ""


class AdmissionQueue:
    """The decisions for every cluster on this store, from what runs and what waits now.

    A cluster runs when it has pods (node processes) or reports ``ready``; it waits when
    it should run (not suspended) but does not. The local platform's reconciler, the
    queue API and the warnings on create all ask this, so they agree.
    """

    def __init__(
        self, store: Store, capacity: Capacity, *, need_of: NeedOf = requested_need
    ) -> None:
        self._store = store
        self.capacity = capacity
        #: How a cluster spec's need is counted (the local platform: as its nodes are told).
        self.need_of = need_of
        #: Demands by (uid, resourceVersion): deriving one parses the whole spec.
        self._demands: dict[tuple[str, int], Demand] = {}

    def demand(self, obj: StoredObject) -> Demand:
        key = (obj.uid, obj.resource_version)
        found = self._demands.get(key)
        if found is None or found.key != obj.key:
            if len(self._demands) > 10_000:
                self._demands.clear()
            found = demand_of(obj, self.need_of)
            self._demands[key] = found
        return found

    async def _split(self) -> tuple[list[Demand], list[Demand]]:
        clusters = await self._store.instances(CLUSTER_KIND)
        with_pods = {p.owner_uid for p in await self._store.list_pods()}
        running, waiting = [], []
        for obj in clusters:
            if obj.uid in with_pods or (obj.status or {}).get("state") == "ready":
                running.append(self.demand(obj))
            elif not obj.spec.get("suspend"):
                waiting.append(self.demand(obj))
        return running, waiting

    async def running(self, namespace: str) -> list[Demand]:
        running, _ = await self._split()
        return [d for d in running if d.namespace == namespace]

    async def decisions(self) -> tuple[dict[ObjectKey, Decision], list[Demand]]:
        running, waiting = await self._split()
        quotas = await self._store.transact(accounts.list_quotas)
        decided = decide(running=running, waiting=waiting, quotas=quotas, machine=self.capacity)
        return decided, queue_order(waiting)

    async def decision(self, key: ObjectKey) -> Decision:
        decided, _ = await self.decisions()
        return decided.get(key, Decision(True))

    async def preview(self, demand: Demand, *, suspended: bool) -> Preview:
        """What would become of a cluster asking ``demand`` if it were written now (in place
        of the stored cluster with the same key, if there is one)."""
        quota = await self._store.transact(accounts.get_quota, demand.namespace)
        never = never_admitted(demand, quota, self.capacity)
        if never or suspended:
            return Preview(never=never or "")
        running, waiting = await self._split()
        if any(d.key == demand.key for d in running):
            return Preview()  # it runs already: admitted once, not again
        waiting = [d for d in waiting if d.key != demand.key]
        quotas = await self._store.transact(accounts.list_quotas)
        decided = decide(
            running=running, waiting=[*waiting, demand], quotas=quotas, machine=self.capacity
        )
        verdict = decided[demand.key]
        if verdict.admitted:
            return Preview()
        return Preview(waits=f"position {verdict.position}: {verdict.reason}")


def describe_need(demand: Demand) -> str:
    """``3 CPU, 4Gi memory, 0 GPU on 2 nodes``: what a message says a cluster asks."""
    return (
        f"{_cpu(demand.cpu_millis)} CPU, {_bytes(demand.memory_bytes)} memory, "
        f"{demand.gpu} GPU on {demand.nodes} node{'s' if demand.nodes != 1 else ''}"
    )
