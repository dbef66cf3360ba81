"""What one reconcile pass of a RayService observed, as plain frozen values.

The reconciler fills these from the store, Serve's REST API and its own memory of
what it deployed; ``plan.py`` decides from them alone. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from raydeck.platforms.local.service.serve_api import AppState
from raydeck.resources import raycluster as rc


@dataclass(frozen=True)
class Deployment:
    """A Serve config (by fingerprint) sent to one incarnation of a cluster's head."""

    incarnation: str
    fingerprint: str


@dataclass(frozen=True)
class ServeMemory:
    """What the reconciler remembers of one cluster between passes (Serve keeps no history)."""

    #: The last config Serve accepted on this cluster.
    deployed: Deployment | None = None
    #: The last config Serve refused, and Serve's message: not sent again until it changes.
    rejected: Deployment | None = None
    rejection: str = ""
    #: The application failure last told in an event, so each distinct one is told once.
    reported: str = ""


@dataclass(frozen=True)
class ServeState:
    """What Serve reported on one ready cluster in this pass."""

    #: Application name -> state; ``None`` when Serve's API could not be read.
    apps: Mapping[str, AppState] | None
    proxy_up: bool = False
    #: Why Serve could not be read, when it could not.
    problem: str = ""


@dataclass(frozen=True)
class Queued:
    """The admission queue's word on a cluster that waits in it."""

    position: int
    reason: str


@dataclass(frozen=True)
class ClusterView:
    """One RayCluster of the RayService as this pass saw it."""

    name: str
    uid: str
    #: ``cluster_config_hash`` of the rayClusterConfig it was created from.
    config_hash: str
    #: Its state is ``ready`` and its dashboard port is known.
    ready: bool = False
    dashboard_port: int = 0
    serve_port: int = 0
    queued: Queued | None = None
    #: When it was marked for deletion: the moment (epoch seconds) it may go.
    delete_after: float | None = None
    workers: tuple[rc.WorkerGroupSpec, ...] = ()
    #: Changes when its head process is replaced (a new head has lost Serve's state).
    incarnation: str = ""
    #: What Serve runs there; ``None`` when it was not asked (not ready, or neither active
    #: nor pending).
    serve: ServeState | None = None
    memory: ServeMemory = field(default_factory=ServeMemory)


@dataclass(frozen=True)
class Observation:
    """Everything one pass decides from, besides the RayService itself."""

    #: The RayClusters this RayService (this uid) created and that still exist.
    clusters: tuple[ClusterView, ...]
    #: The port of the RayService's endpoint when it is open in this process.
    endpoint_port: int | None
    #: The name a cluster created in this pass gets (names are random; plans are not).
    fresh_name: str
    #: The clock's wall time, epoch seconds.
    now: float
