"""Admission of clusters on one machine: namespace quotas, machine capacity, and a queue.

A pure decision, Kueue-like: waiting clusters are ordered by the priority in
their ``raydeck.io/priority`` label (higher first), then by creation time; in
that order each one is admitted if it fits beside what runs and what was
admitted before it, otherwise it keeps its place (best-effort FIFO: a smaller
cluster behind a blocked one may start). The local platform's reconciler calls
``decide`` before starting a cluster; the queue API shows the same decisions.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from raydeck.resources.quantity import format_bytes, format_cpu, to_int_ceil, to_millis
from raydeck.resources.summary import cluster_spec_totals
from raydeck.store import accounts
from raydeck.store.accounts import QuotaRecord
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

PRIORITY_LABEL = "raydeck.io/priority"
CLUSTER_KIND = "RayCluster"


@dataclass(frozen=True)
class Demand:
    """What one cluster asks for: its pods' requests, its priority and its age."""

    key: ObjectKey
    priority: int
    created_at: str
    cpu_millis: int
    memory_bytes: int
    gpu: int

    @property
    def namespace(self) -> str:
        return self.key.namespace


@dataclass(frozen=True)
class Capacity:
    """What the machine offers; ``None`` means that resource is not limited."""

    cpu_millis: int | None
    memory_bytes: int | None
    gpu: int | None


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

    def add(self, demand: Demand) -> None:
        self.cpu_millis += demand.cpu_millis
        self.memory_bytes += demand.memory_bytes
        self.gpu += demand.gpu
        self.clusters += 1


@dataclass
class _Ledger:
    machine: _Usage = field(default_factory=_Usage)
    namespaces: dict[str, _Usage] = field(default_factory=lambda: defaultdict(_Usage))

    def add(self, demand: Demand) -> None:
        self.machine.add(demand)
        self.namespaces[demand.namespace].add(demand)


def priority_of(labels: Mapping[str, object]) -> int:
    """The label's integer value; anything else (absent, not a number) is priority 0."""
    try:
        return int(str(labels.get(PRIORITY_LABEL, 0)))
    except ValueError:
        return 0


def demand_of(obj: StoredObject) -> Demand:
    totals = cluster_spec_totals(obj.spec)
    labels = (obj.body.get("metadata") or {}).get("labels") or {}
    return Demand(
        key=obj.key,
        priority=priority_of(labels),
        created_at=obj.created_at,
        cpu_millis=totals.cpu_millis,
        memory_bytes=totals.memory_bytes,
        gpu=totals.gpu,
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
        blocker = _quota_blocker(demand, ledger.namespaces[demand.namespace], quota) or (
            _machine_blocker(demand, ledger.machine, machine)
        )
        if blocker is None:
            ledger.add(demand)
            decisions[demand.key] = Decision(True)
        else:
            places[demand.namespace] += 1
            decisions[demand.key] = Decision(False, places[demand.namespace], blocker)
    return decisions


def _quota_blocker(demand: Demand, used: _Usage, quota: QuotaRecord) -> str | None:
    where = f"the quota of namespace {demand.namespace!r}"
    if quota.clusters is not None and used.clusters + 1 > quota.clusters:
        return f"{where} allows {quota.clusters} running cluster(s) and {used.clusters} run"
    return _over(demand, used, quota.cpu_millis, quota.memory_bytes, quota.gpu, where)


def _machine_blocker(demand: Demand, used: _Usage, machine: Capacity) -> str | None:
    return _over(
        demand, used, machine.cpu_millis, machine.memory_bytes, machine.gpu, "this machine"
    )


def _over(
    demand: Demand,
    used: _Usage,
    cpu: int | None,
    memory: int | None,
    gpu: int | None,
    where: str,
) -> str | None:
    checks = (
        ("CPU", demand.cpu_millis, used.cpu_millis, cpu, format_cpu),
        ("memory", demand.memory_bytes, used.memory_bytes, memory, format_bytes),
        ("GPU", demand.gpu, used.gpu, gpu, str),
    )
    for name, wanted, in_use, limit, shown in checks:
        if limit is not None and wanted and in_use + wanted > limit:
            never = " (more than it will ever have)" if wanted > limit else ""
            return (
                f"it needs {shown(wanted)} {name} and {where} has {shown(limit - in_use)} of "
                f"{shown(limit)} free{never}"
            )
    return None


def machine_capacity() -> Capacity:
    """This machine's CPUs and memory (GPUs are not limited here: Ray counts them itself)."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return Capacity(cpu_millis=(os.cpu_count() or 1) * 1000, memory_bytes=memory, gpu=None)


class AdmissionQueue:
    """The decisions for every cluster on this store, from what runs and what waits now.

    A cluster runs when it has pods (node processes) or reports ``ready``; it waits when
    it should run (not suspended) but does not. The local platform's reconciler and the
    queue API both ask this, so they agree.
    """

    def __init__(self, store: Store, capacity: Capacity) -> None:
        self._store = store
        self.capacity = capacity

    async def _split(self) -> tuple[list[Demand], list[Demand]]:
        clusters = await self._store.instances(CLUSTER_KIND)
        with_pods = {p.owner_uid for p in await self._store.list_pods()}
        running, waiting = [], []
        for obj in clusters:
            if obj.uid in with_pods or (obj.status or {}).get("state") == "ready":
                running.append(demand_of(obj))
            elif not obj.spec.get("suspend"):
                waiting.append(demand_of(obj))
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


def capacity_from(cpu: float | None, memory: str | None) -> Capacity:
    """The machine's capacity with the configured overrides (``RAYDECK_LOCAL__CAPACITY_*``)."""
    detected = machine_capacity()
    return Capacity(
        cpu_millis=detected.cpu_millis if cpu is None else to_millis(cpu),
        memory_bytes=detected.memory_bytes if memory is None else to_int_ceil(memory),
        gpu=None,
    )
