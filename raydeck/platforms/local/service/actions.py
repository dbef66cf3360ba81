"""What a RayService plan asks the reconciler to do: plain frozen values, one per step.

``plan.py`` produces them; ``reconciler.py`` carries them out in order, each
with its I/O (the store, the endpoint, Serve's REST API). Events that only make
sense once a step succeeded (a created cluster, a deployed config) are the
reconciler's to record; every other event is a ``RecordEvent`` of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from raydeck.platforms.local.service.observed import Deployment
from raydeck.resources import raycluster as rc
from raydeck.resources.serve_config import ServeConfig


@dataclass(frozen=True)
class OpenEndpoint:
    """Listen for the RayService: on the port its status records if it is free, else a new one."""

    recorded_port: int | None


@dataclass(frozen=True)
class RouteEndpoint:
    """Forward new requests to this Serve port (``None``: answer 503)."""

    serve_port: int | None


@dataclass(frozen=True)
class CloseEndpoint:
    """Close the endpoint of the RayService with this uid and give its port back."""

    uid: str


@dataclass(frozen=True)
class CreateCluster:
    name: str
    config_hash: str
    why: str


@dataclass(frozen=True)
class DeleteCluster:
    name: str
    uid: str


@dataclass(frozen=True)
class MarkForDeletion:
    """Note on the cluster when it may be deleted (epoch seconds)."""

    name: str
    due: float


@dataclass(frozen=True)
class GroupScale:
    """The scaling fields of one worker group."""

    replicas: int | None
    min_replicas: int | None
    max_replicas: int | None
    scale_strategy: rc.ScaleStrategy | None

    @classmethod
    def of(cls, group: rc.WorkerGroupSpec) -> GroupScale:
        return cls(group.replicas, group.min_replicas, group.max_replicas, group.scale_strategy)


@dataclass(frozen=True)
class ResizeCluster:
    """Give the cluster's worker groups, in order, these scaling fields."""

    name: str
    groups: tuple[GroupScale, ...]


@dataclass(frozen=True)
class Deploy:
    """Apply the Serve config to a cluster; ``again``: it ran an earlier one."""

    cluster: str
    uid: str
    dashboard_port: int
    serve_port: int
    config: ServeConfig
    deployment: Deployment
    again: bool


@dataclass(frozen=True)
class RecordEvent:
    type: Literal["Normal", "Warning"]
    reason: str
    message: str


Action = (
    OpenEndpoint
    | RouteEndpoint
    | CloseEndpoint
    | CreateCluster
    | DeleteCluster
    | MarkForDeletion
    | ResizeCluster
    | Deploy
    | RecordEvent
)
A = TypeVar("A", bound=Action)
