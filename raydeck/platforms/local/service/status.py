"""The status a RayService plan writes: KubeRay's fields and conditions, typed.

``plan.py`` decides what happens; this module words it as KubeRay v1.7 does in
``status`` (condition types, statuses and reasons are KubeRay's, the messages
raydeck's own) plus what raydeck adds on the local platform (``endpoints``,
``queue``). Pure: no I/O; time comes in as an RFC 3339 stamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from raydeck.platforms.local.service.serve_api import AppState
from raydeck.resources import rayservice as rs
from raydeck.resources.meta import Condition, KubeModel, find_condition, set_condition

T = rs.ConditionType
R = rs.Reason


class QueuedCluster(KubeModel):
    """A cluster of the RayService that waits in the admission queue (raydeck's own field)."""

    ray_cluster_name: str
    position: int
    reason: str


class LocalServiceStatus(rs.RayServiceStatuses):
    """A RayService's status with what raydeck adds to KubeRay's on the local platform."""

    #: ``{"serve": port}``: the stable endpoint's port, kept across suspend and restarts.
    endpoints: dict[str, str] | None = None
    #: Set while one of its clusters waits in the admission queue: lists say "queued".
    queue: QueuedCluster | None = None

    @classmethod
    def of(cls, service: rs.RayService) -> LocalServiceStatus:
        return cls.model_validate(service.status.to_wire() if service.status else {})

    def wire(self) -> dict[str, Any]:
        """The JSON the store keeps (a true edge): unset and cleared fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def serve_port(self) -> int | None:
        port = (self.endpoints or {}).get("serve")
        return int(port) if port else None


@dataclass(frozen=True)
class ServeView:
    """What one cluster serves, as this pass tells it in the status."""

    apps: Mapping[str, AppState] = field(default_factory=dict)
    proxy_up: bool = False
    #: Why nothing could be read (not ready, queued, Serve unreachable).
    problem: str = ""
    #: Every application of the config is healthy, the proxy answers, nothing is left to deploy.
    serving: bool = False

    def failure(self) -> str:
        failed = [
            f"{name} is {app.status}: {app.message}".rstrip(": ")
            for name, app in sorted(self.apps.items())
            if app.status.is_failed()
        ]
        return "; ".join(failed) or self.problem

    def service_status(self, cluster_name: str) -> rs.ServiceStatus:
        statuses = {
            name: rs.AppStatus(
                status=app.status.value,
                message=app.message or None,
                serve_deployment_statuses={
                    d: rs.ServeDeploymentStatus(status=s.status, message=s.message or None)
                    for d, s in sorted(app.deployments.items())
                }
                or None,
            )
            for name, app in sorted(self.apps.items())
        }
        return rs.ServiceStatus(
            ray_cluster_name=cluster_name, application_statuses=statuses or None
        )


@dataclass
class Conditions:
    """The conditions being written in one pass, upserted by type as KubeRay does."""

    items: list[Condition]
    stamp: str
    generation: int | None

    def put(
        self, type_: rs.ConditionType, state: bool | None, reason: rs.Reason, message: str = ""
    ) -> None:
        """Set ``type_`` to True, False, or (``None``) Unknown."""
        status = "Unknown" if state is None else str(state)
        condition = Condition(
            type=type_.value,
            status=status,
            reason=reason.value,
            message=message,
            observed_generation=self.generation,
        )
        self.items = set_condition(self.items, condition, now=self.stamp)

    def drop(self, type_: rs.ConditionType) -> None:
        self.items = [c for c in self.items if c.type != type_]

    def true(self, type_: rs.ConditionType) -> bool:
        found = find_condition(self.items, type_)
        return found is not None and found.status == "True"

    def reason(self, type_: rs.ConditionType) -> str | None:
        found = find_condition(self.items, type_)
        return found.reason if found is not None else None


# -- serving --------------------------------------------------------------------------------


def initializing(c: Conditions) -> None:
    """A RayService seen for the first time starts Initializing (KubeRay sets both at once)."""
    if not c.items:
        c.put(T.READY, False, R.INITIALIZING, "waiting for the first cluster to serve")
        c.put(T.UPGRADE_IN_PROGRESS, False, R.INITIALIZING, "no cluster serves yet")


def ready(c: Conditions, *, active: str | None, endpoints: int, waiting: str) -> None:
    """Ready is True while the active cluster's proxy answers; once it has been, it drops to
    ZeroServeEndpoints rather than back to Initializing."""
    if endpoints:
        c.put(T.READY, True, R.NON_ZERO_SERVE_ENDPOINTS, f"RayCluster {active} serves traffic")
    elif active or c.true(T.READY) or c.reason(T.READY) == R.ZERO_SERVE_ENDPOINTS:
        message = (
            f"the Serve proxy of RayCluster {active} does not answer"
            if active
            else "no RayCluster serves traffic" + (f": {waiting}" if waiting else "")
        )
        c.put(T.READY, False, R.ZERO_SERVE_ENDPOINTS, message)
    else:
        message = waiting or "waiting for the first cluster to serve every application"
        c.put(T.READY, False, R.INITIALIZING, message)


def upgrade(
    c: Conditions, *, active: str | None, pending: str | None, failure: str, kept: bool
) -> None:
    """UpgradeInProgress: True while both clusters exist. ``kept``: the spec asks for a new
    cluster that upgradeStrategy None refuses."""
    if active and pending:
        message = f"bringing up {pending}; traffic stays on {active}"
        if failure:
            message += f" because {failure}"
        c.put(T.UPGRADE_IN_PROGRESS, True, R.BOTH_ACTIVE_PENDING_CLUSTERS_EXIST, message)
    elif active:
        message = "rayClusterConfig changed, but upgradeStrategy.type None keeps the cluster"
        c.put(T.UPGRADE_IN_PROGRESS, False, R.NO_PENDING_CLUSTER, message if kept else "")
    elif c.reason(T.UPGRADE_IN_PROGRESS) not in (R.INITIALIZING, R.INITIALIZING_TIMEOUT):
        # KubeRay's word for a RayService that lost its active cluster after starting.
        message = "no RayCluster is active and the RayService is not starting"
        c.put(T.UPGRADE_IN_PROGRESS, None, R.NO_ACTIVE_CLUSTER, message)


# -- suspend --------------------------------------------------------------------------------


def resumed(c: Conditions) -> None:
    """``spec.suspend`` turned false on a suspended RayService: it starts over, Initializing
    with fresh transition times."""
    c.put(T.SUSPENDED, False, R.RESUMED, "spec.suspend is false: the RayService starts again")
    for type_ in (T.READY, T.UPGRADE_IN_PROGRESS):
        c.drop(type_)
        c.put(type_, False, R.INITIALIZING, "starting again after being suspended")


def suspend_requested(c: Conditions) -> None:
    """The commit point: from here the clusters are deleted, whatever ``spec.suspend`` says next."""
    c.put(T.SUSPENDING, True, R.SUSPEND_REQUESTED, "spec.suspend is true: deleting the clusters")
    c.put(T.READY, False, R.SUSPEND_IN_PROGRESS, "the RayService is suspending")
    c.put(T.UPGRADE_IN_PROGRESS, False, R.SUSPEND_IN_PROGRESS, "no upgrade while suspending")
    c.put(T.ROLLBACK_IN_PROGRESS, False, R.SUSPEND_IN_PROGRESS, "no rollback while suspending")


def suspend_waiting(c: Conditions) -> None:
    c.put(T.SUSPENDING, True, R.SUSPEND_IN_PROGRESS, "waiting for the clusters to be deleted")


def suspend_complete(c: Conditions) -> None:
    c.put(T.SUSPENDING, False, R.SUSPEND_COMPLETE, "every cluster is deleted")
    c.put(T.SUSPENDED, True, R.SUSPEND_COMPLETE, "every cluster is deleted")
    c.put(T.READY, False, R.SUSPEND_COMPLETE, "the RayService is suspended")
    c.put(T.UPGRADE_IN_PROGRESS, False, R.SUSPEND_COMPLETE, "no upgrade while suspended")
    c.put(T.ROLLBACK_IN_PROGRESS, False, R.SUSPEND_COMPLETE, "no rollback while suspended")
