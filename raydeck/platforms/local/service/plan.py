"""Reconcile decisions for a RayService on the local platform, as pure functions.

``plan_service`` maps a RayService (spec and typed status) and what one pass
observed (its clusters, what Serve runs on them, its endpoint, the clock's now)
to the actions that close the gap and the status KubeRay would write;
``plan_leftovers`` says what goes once a RayService is gone or replaced. The
reconciler observes and acts; nothing here does I/O.

The rules are KubeRay v1.7's for ``upgradeStrategy`` NewCluster and None: one
active cluster serves; a changed ``rayClusterConfig`` brings up a pending one,
which takes the traffic once it serves every application; the old one goes
``rayClusterDeletionDelaySeconds`` later. Suspending commits first and deletes
after. Where raydeck differs (replica changes resize in place, a superseded
pending cluster is deleted at once) the docstrings below say so.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.owned import queued_problem
from raydeck.platforms.local.service import status as st
from raydeck.platforms.local.service.actions import (
    A,
    Action,
    CloseEndpoint,
    CreateCluster,
    DeleteCluster,
    Deploy,
    GroupScale,
    MarkForDeletion,
    OpenEndpoint,
    RecordEvent,
    ResizeCluster,
    RouteEndpoint,
)
from raydeck.platforms.local.service.observed import (
    ClusterView,
    Deployment,
    Observation,
    ServeMemory,
)
from raydeck.platforms.local.service.serve_api import AppState
from raydeck.resources import raycluster as rc
from raydeck.resources import rayservice as rs
from raydeck.resources.serve_config import ServeConfig

#: How often a settled RayService is looked at again (application statuses, proxy health).
RESYNC = 3.0
#: How often while something is moving: a cluster starting, Serve deploying, an upgrade.
SETTLING = 0.5
#: Fields that scale a worker group: changing them alone resizes the active cluster in place.
SCALING_FIELDS = ("replicas", "minReplicas", "maxReplicas", "scaleStrategy")
T = rs.ConditionType


def cluster_config_hash(spec: rc.RayClusterSpec) -> str:
    """Equal for two ``rayClusterConfig``s that need no new cluster between them."""
    stripped = copy.deepcopy(spec.to_wire())
    for group in stripped.get("workerGroupSpecs") or []:
        for name in SCALING_FIELDS:
            group.pop(name, None)
    canonical = json.dumps(stripped, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass
class ServicePlan:
    actions: list[Action]
    status: st.LocalServiceStatus
    #: What to remember per cluster uid from now on.
    memory: dict[str, ServeMemory]
    #: When to look again; ``None``: only when something changes.
    requeue_after: float | None

    def of(self, kind: type[A]) -> list[A]:
        return [a for a in self.actions if isinstance(a, kind)]


def opened(status: st.LocalServiceStatus, port: int) -> st.LocalServiceStatus:
    """The status once the endpoint listens on ``port`` (it may have moved off a taken one)."""
    return status.model_copy(update={"endpoints": {"serve": str(port)}})


# -- the pass -------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A plan being made: the actions so far and the status being written."""

    service: rs.RayService
    seen: Observation
    status: st.LocalServiceStatus
    conditions: st.Conditions
    actions: list[Action] = field(default_factory=list)
    memory: dict[str, ServeMemory] = field(default_factory=dict)
    settling: bool = False
    requeue_after: float | None = None
    queue: st.QueuedCluster | None = None

    @property
    def spec(self) -> rs.RayServiceSpec:
        return self.service.spec

    def event(self, reason: str, message: str, *, warning: bool = False) -> None:
        self.actions.append(RecordEvent("Warning" if warning else "Normal", reason, message))

    def finish(self) -> ServicePlan:
        self.status.conditions = self.conditions.items
        self.status.observed_generation = self.service.metadata.generation
        return ServicePlan(self.actions, self.status, self.memory, self.requeue_after)


def plan_service(service: rs.RayService, config: ServeConfig, seen: Observation) -> ServicePlan:
    """What to do in this pass and the status to write. ``config`` is the parsed
    ``spec.serveConfigV2`` (parsing is the caller's: it is the costly part of a pass)."""
    status = st.LocalServiceStatus.of(service)
    stamp = rfc3339(datetime.fromtimestamp(seen.now, UTC))
    conditions = st.Conditions(list(status.conditions or []), stamp, service.metadata.generation)
    d = _Draft(service, seen, status, conditions)
    d.memory = {c.uid: c.memory for c in seen.clusters}
    if seen.endpoint_port is None:
        d.actions.append(OpenEndpoint(status.serve_port()))
    else:
        status.endpoints = {"serve": str(seen.endpoint_port)}
    if not _suspend(d):
        _serve(d, config)
        d.requeue_after = SETTLING if d.settling else RESYNC
    return d.finish()


def plan_leftovers(
    clusters: Sequence[tuple[str, str, str | None]],
    endpoints: Sequence[str],
    *,
    keep_uid: str | None,
) -> list[Action]:
    """What RayServices of one name left behind: every cluster (name, uid, owner uid) and
    endpoint (owner uid) not of ``keep_uid``, the current one; ``None``: it is gone."""
    actions: list[Action] = [CloseEndpoint(uid) for uid in endpoints if uid != keep_uid]
    actions += [
        DeleteCluster(name, uid)
        for name, uid, owner in clusters
        if keep_uid is None or owner != keep_uid
    ]
    return actions


# -- suspend --------------------------------------------------------------------------------


def _suspend(d: _Draft) -> bool:
    """KubeRay's suspend: commit (Suspending), then delete every cluster, then Suspended; a
    committed suspend finishes even if ``spec.suspend`` turns false meanwhile. True when
    suspend owns this pass (``d.requeue_after`` says when to look again)."""
    c = d.conditions
    if c.true(T.SUSPENDED):
        if not d.spec.suspend:
            st.resumed(c)
            return False
        return _suspended(d, requeue_after=None)
    if not c.true(T.SUSPENDING):
        if not d.spec.suspend:
            return False
        st.suspend_requested(c)
        return _suspended(d, requeue_after=SETTLING)
    if d.seen.clusters:
        d.actions += [DeleteCluster(cluster.name, cluster.uid) for cluster in d.seen.clusters]
        d.event("Suspending", "Deleting the RayService's clusters")
        st.suspend_waiting(c)
        return _suspended(d, requeue_after=SETTLING)
    st.suspend_complete(c)
    # Turned false while suspending: look again, to resume.
    return _suspended(d, requeue_after=None if d.spec.suspend else SETTLING)


def _suspended(d: _Draft, *, requeue_after: float | None) -> bool:
    d.actions.append(RouteEndpoint(None))
    d.status.active_service_status = None
    d.status.pending_service_status = None
    d.status.service_status = None
    d.status.queue = None
    d.status.num_serve_endpoints = 0
    d.requeue_after = requeue_after
    return True


# -- serving --------------------------------------------------------------------------------


def _serve(d: _Draft, config: ServeConfig) -> None:
    named = {c.name: c for c in d.seen.clusters}
    active = named.get(_name_of(d.status.active_service_status))
    pending = named.get(_name_of(d.status.pending_service_status))
    goal = cluster_config_hash(d.spec.ray_cluster_config)
    done: set[str] = set()  # clusters this pass already decided about
    pending = _settle_pending(d, active, pending, goal, done)
    if active is not None:
        _resize(d, active, goal)
    # While a new cluster comes up, config changes go to it alone: the active cluster keeps
    # serving what it serves until traffic moves.
    active_view = _view(d, active, config, deploy=pending is None) if active else None
    pending_view = _view(d, pending, config, deploy=True) if pending else None
    if pending is not None and pending_view is not None and pending_view.serving:
        _promote(d, active, pending, done)
        active, active_view, pending, pending_view = pending, pending_view, None, None
    d.actions.append(RouteEndpoint(active.serve_port or None if active else None))
    done |= {c.name for c in (active, pending) if c is not None}
    _retire(d, [c for c in d.seen.clusters if c.name not in done])
    _serving_status(d, (active, active_view), (pending, pending_view), goal)


def _settle_pending(
    d: _Draft, active: ClusterView | None, pending: ClusterView | None, goal: str, done: set[str]
) -> ClusterView | None:
    """A pending cluster of another spec goes at once (KubeRay would keep it for the deletion
    delay: here its resources are better spent on the one that replaces it)."""
    if pending is not None and pending.config_hash != goal:
        back = active is not None and active.config_hash == goal
        why = (
            "the spec went back to the active cluster's"
            if back
            else "a newer rayClusterConfig supersedes it"
        )
        d.event("PendingClusterReplaced", f"Deleting {pending.name}: {why}")
        d.actions.append(DeleteCluster(pending.name, pending.uid))
        done.add(pending.name)
        pending = None
    if active is None and pending is None:
        return _create(d, goal, "the first cluster")
    if active is not None and pending is None and active.config_hash != goal:
        if d.spec.upgrade_type() == rs.UpgradeType.NONE:
            return None
        return _create(d, goal, "a changed rayClusterConfig")
    return pending


def _create(d: _Draft, goal: str, why: str) -> ClusterView:
    name = d.seen.fresh_name
    d.actions.append(CreateCluster(name, goal, why))
    d.settling = True
    return ClusterView(name=name, uid="", config_hash=goal)


def _resize(d: _Draft, active: ClusterView, goal: str) -> None:
    """Replica changes alone resize the active cluster in place (KubeRay leaves replicas to the
    autoscaler; raydeck applies what the spec says)."""
    wanted = tuple(GroupScale.of(g) for g in d.spec.ray_cluster_config.worker_group_specs or [])
    if active.config_hash != goal or len(active.workers) != len(wanted):
        return
    if wanted != tuple(GroupScale.of(g) for g in active.workers):
        d.actions.append(ResizeCluster(active.name, wanted))


def _view(d: _Draft, cluster: ClusterView, config: ServeConfig, *, deploy: bool) -> st.ServeView:
    """What ``cluster`` serves, deploying the config there when it lacks it (and ``deploy``)."""
    if not cluster.ready or cluster.serve is None:
        d.settling = True
        if cluster.queued is not None:
            queued = cluster.queued
            d.queue = st.QueuedCluster(
                ray_cluster_name=cluster.name, position=queued.position, reason=queued.reason
            )
            where = {"position": queued.position, "reason": queued.reason}
            return st.ServeView(problem=queued_problem(cluster.name, where))
        return st.ServeView(problem=f"RayCluster {cluster.name} is not ready yet")
    memory, apps = cluster.memory, cluster.serve.apps
    wanted = Deployment(cluster.incarnation, config.fingerprint())
    if deploy and memory.rejected == wanted:
        return _rejected(config, memory.rejection)
    lost = apps is not None and bool(config.apps) and not apps  # a new head lost Serve's state
    if lost:
        memory = d.memory[cluster.uid] = replace(memory, deployed=None)
    needs = deploy and (memory.deployed != wanted or lost)
    if needs:
        again = memory.deployed is not None
        ports = (cluster.dashboard_port, cluster.serve_port)
        d.actions.append(Deploy(cluster.name, cluster.uid, *ports, config, wanted, again))
    if apps is None:
        d.settling = True
        return st.ServeView(problem=cluster.serve.problem)
    serving = not needs and cluster.serve.proxy_up and _healthy(apps, config)
    d.settling = d.settling or not serving
    view = st.ServeView(apps=apps, proxy_up=cluster.serve.proxy_up, serving=serving)
    _report(d, cluster, view.failure())
    return view


def _healthy(apps: Mapping[str, AppState], config: ServeConfig) -> bool:
    """Every application of the config RUNNING with every deployment HEALTHY."""
    return all(app.name in apps and apps[app.name].healthy() for app in config.apps)


def _rejected(config: ServeConfig, message: str) -> st.ServeView:
    failed = rs.ApplicationStatus.DEPLOY_FAILED
    return st.ServeView(apps={app.name: AppState(failed, message) for app in config.apps})


def _report(d: _Draft, cluster: ClusterView, failure: str) -> None:
    """One warning event per distinct failure of a cluster's applications."""
    if failure and cluster.memory.reported != failure:
        d.event("ServeApplicationFailed", f"{cluster.name}: {failure}", warning=True)
    d.memory[cluster.uid] = replace(d.memory[cluster.uid], reported=failure)


def _promote(d: _Draft, active: ClusterView | None, pending: ClusterView, done: set[str]) -> None:
    """The pending cluster serves: it becomes the active one, the old one is deleted later."""
    if active is None:
        d.event("Ready", f"{pending.name} serves traffic")
        return
    delay = d.spec.deletion_delay()
    d.actions.append(MarkForDeletion(active.name, d.seen.now + delay))
    d.event(
        "Promoted",
        f"Traffic switched from {active.name} to {pending.name}; {active.name} is "
        f"deleted in {delay} s",
    )
    done.add(active.name)


def _retire(d: _Draft, others: list[ClusterView]) -> None:
    """Clusters neither active nor pending are marked, then deleted once their delay passed."""
    now = d.seen.now
    for cluster in others:
        due = cluster.delete_after
        if due is None:
            d.actions.append(MarkForDeletion(cluster.name, now + d.spec.deletion_delay()))
        elif due <= now:
            d.event("DeletedRayCluster", f"Deleted old RayCluster {cluster.name}")
            d.actions.append(DeleteCluster(cluster.name, cluster.uid))
        elif due - now < RESYNC:
            d.settling = True


def _serving_status(
    d: _Draft,
    active: tuple[ClusterView | None, st.ServeView | None],
    pending: tuple[ClusterView | None, st.ServeView | None],
    goal: str,
) -> None:
    (active_cluster, active_view), (pending_cluster, pending_view) = active, pending
    status = d.status
    status.queue = d.queue
    endpoints = 1 if active_view is not None and active_view.proxy_up else 0
    status.num_serve_endpoints = endpoints
    status.active_service_status = (
        active_view.service_status(active_cluster.name)
        if active_cluster is not None and active_view is not None
        else None
    )
    status.pending_service_status = (
        (pending_view or st.ServeView()).service_status(pending_cluster.name)
        if pending_cluster is not None
        else None
    )
    status.service_status = "Running" if endpoints else None
    failure = pending_view.failure() if pending_view is not None else ""
    active_name = active_cluster.name if active_cluster is not None else None
    pending_name = pending_cluster.name if pending_cluster is not None else None
    c = d.conditions
    st.initializing(c)
    st.ready(c, active=active_name, endpoints=endpoints, waiting=failure)
    kept = active_cluster is not None and active_cluster.config_hash != goal
    st.upgrade(c, active=active_name, pending=pending_name, failure=failure, kept=kept)


def _name_of(service_status: rs.ServiceStatus | None) -> str:
    return (service_status.ray_cluster_name or "") if service_status else ""
