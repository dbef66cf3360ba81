"""Namespace quotas and the admission queue, as users see them.

Platform admins set a namespace's quota (CPU, memory, GPU, running clusters, nodes in all
and per cluster); anyone who sees the namespace reads it, with what is in use, and its
queue. Answers are views (``QuotaView``, ``QueueEntry``). The admission decision itself is
``platforms/admission.py``'s, the same one the local platform's reconciler follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import ConfigDict

from raydeck.errors import FieldError, InvalidInput
from raydeck.managers.access import Principal
from raydeck.managers.audit import AuditLog
from raydeck.managers.views import View
from raydeck.platforms.admission import AdmissionQueue, Demand
from raydeck.platforms.base import Platform
from raydeck.resources.quantity import format_bytes, format_cpu, to_int_ceil, to_millis
from raydeck.store import accounts
from raydeck.store.accounts import AuditDetails, QuotaRecord
from raydeck.store.store import Store

QUOTA_FIELDS = ("cpu", "memory", "gpu", "clusters", "nodes", "nodesPerCluster")
#: Quota fields that count things, not quantities.
_COUNTS = {"clusters": "clusters", "nodes": "nodes", "nodesPerCluster": "nodes_per_cluster"}


class QuotaLimits(View):
    """A quota's limits as users write them (``2``, ``4Gi``); ``None`` is unlimited."""

    cpu: str | None
    memory: str | None
    gpu: int | None
    clusters: int | None
    nodes: int | None
    nodes_per_cluster: int | None

    @classmethod
    def of(cls, quota: QuotaRecord) -> QuotaLimits:
        return cls(
            cpu=None if quota.cpu_millis is None else format_cpu(quota.cpu_millis),
            memory=None if quota.memory_bytes is None else format_bytes(quota.memory_bytes),
            gpu=quota.gpu,
            clusters=quota.clusters,
            nodes=quota.nodes,
            nodes_per_cluster=quota.nodes_per_cluster,
        )


class QuotaUse(View):
    """What the namespace's running clusters take."""

    cpu: str
    memory: str
    gpu: int
    clusters: int
    nodes: int


class QuotaView(View):
    """``GET …/quota``: the limits (``hard``) beside what is in use."""

    namespace: str
    hard: QuotaLimits
    used: QuotaUse


class QueueRequests(View):
    cpu: str
    memory: str
    gpu: int
    nodes: int | None = None


class QueueEntry(View):
    """One cluster waiting for admission; a queue outside raydeck (Kueue) may add its own view."""

    model_config = ConfigDict(extra="allow")

    kind: str
    name: str
    namespace: str
    position: int
    priority: int
    created_at: str
    reason: str
    requests: QueueRequests


class QuotaManager:
    def __init__(
        self, *, store: Store, platform: Platform, admission: AdmissionQueue, audit: AuditLog
    ) -> None:
        self._store, self._platform = store, platform
        self._admission, self._audit = admission, audit

    async def get(self, actor: Principal, namespace: str) -> QuotaView:
        actor.require_read(namespace)
        await self._store.get_namespace(namespace)
        quota = await self._store.transact(accounts.get_quota, namespace)
        return await self._view(quota)

    async def put(
        self,
        actor: Principal,
        namespace: str,
        body: Mapping[str, object],  # the request's JSON, every field checked by parse_quota
    ) -> QuotaView:
        """Replace the quota; a field left out or ``null`` is unlimited."""
        actor.require_read(namespace)
        actor.require_admin("set quotas")
        quota = parse_quota(namespace, body)
        await self._store.transact(accounts.put_quota, quota)
        view = await self._view(quota)
        limits = view.hard
        details = AuditDetails(
            cpu=limits.cpu,
            memory=limits.memory,
            gpu=limits.gpu,
            clusters=limits.clusters,
            nodes=limits.nodes,
            nodesPerCluster=limits.nodes_per_cluster,
        )
        await self._audit.record(
            actor.username,
            "update",
            kind="Quota",
            namespace=namespace,
            name=namespace,
            details=details,
        )
        return view

    async def queue(self, actor: Principal, namespace: str) -> list[QueueEntry]:
        """Clusters of the namespace waiting to start, in the order they will be tried; where a
        queue outside raydeck admits them (Kueue on Kubernetes), that queue's view."""
        actor.require_read(namespace)
        await self._store.get_namespace(namespace)
        outside = await self._platform.admission_queue(namespace)
        if outside is not None:
            return [QueueEntry.model_validate(entry) for entry in outside]
        decided, order = await self._admission.decisions()
        waiting = [d for d in order if d.namespace == namespace and not decided[d.key].admitted]
        return [_queue_entry(d, decided[d.key].position, decided[d.key].reason) for d in waiting]

    async def _view(self, quota: QuotaRecord) -> QuotaView:
        running = await self._admission.running(quota.namespace)
        used = QuotaUse(
            cpu=format_cpu(sum(d.cpu_millis for d in running)),
            memory=format_bytes(sum(d.memory_bytes for d in running)),
            gpu=sum(d.gpu for d in running),
            clusters=len(running),
            nodes=sum(d.nodes for d in running),
        )
        return QuotaView(namespace=quota.namespace, hard=QuotaLimits.of(quota), used=used)


def _queue_entry(demand: Demand, position: int, reason: str) -> QueueEntry:
    return QueueEntry(
        kind=demand.key.kind,
        name=demand.key.name,
        namespace=demand.key.namespace,
        position=position,
        priority=demand.priority,
        created_at=demand.created_at,
        reason=reason,
        requests=QueueRequests(
            cpu=format_cpu(demand.cpu_millis),
            memory=format_bytes(demand.memory_bytes),
            gpu=demand.gpu,
            nodes=demand.nodes,
        ),
    )


def parse_quota(namespace: str, body: Mapping[str, object]) -> QuotaRecord:
    """A quota from the request's JSON; InvalidInput naming every bad field."""
    errors = [
        FieldError(k, f"unknown field; a quota has {', '.join(QUOTA_FIELDS)}")
        for k in body
        if k not in QUOTA_FIELDS
    ]
    values: dict[str, int | None] = {}
    for name, convert in (("cpu", to_millis), ("memory", to_int_ceil), ("gpu", to_int_ceil)):
        values[name] = _quantity(body.get(name), name, convert, errors)
    counts = {attr: _count(body.get(name), name, errors) for name, attr in _COUNTS.items()}
    if errors:
        raise InvalidInput("the quota is invalid", errors)
    return QuotaRecord(
        namespace,
        cpu_millis=values["cpu"],
        memory_bytes=values["memory"],
        gpu=values["gpu"],
        **counts,
    )


def _count(value: object, name: str, errors: list[FieldError]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(FieldError(name, "must be a whole number >= 0, or null"))
        return None
    return value


def _quantity(
    value: object, name: str, convert: Callable[[str | int | float], int], errors: list[FieldError]
) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str | int | float):  # a list or an object: no quantity at all
        errors.append(FieldError(name, f"{value!r} is not a quantity"))
        return None
    try:
        result = int(convert(value))
    except (ValueError, TypeError) as e:
        errors.append(FieldError(name, str(e) or "is not a quantity"))
        return None
    if result < 0:
        errors.append(FieldError(name, "must not be negative"))
        return None
    return result
