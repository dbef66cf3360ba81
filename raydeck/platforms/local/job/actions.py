"""What a RayJob's plan asks the reconciler to do: one frozen record per action.

``plan.py`` returns them in the order they are to be carried out; ``reconciler.py`` carries
them out. They hold names and values only, never a connection or a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from raydeck.platforms.local.job.submitter import Submission


@dataclass(frozen=True)
class CreateCluster:
    """Create the job's own RayCluster from ``spec.rayClusterSpec``."""

    name: str


@dataclass(frozen=True)
class Submit:
    """Submit the Ray job through the cluster's Jobs API."""

    submission: Submission


@dataclass(frozen=True)
class StopRayJob:
    """Ask Ray to stop the job (best effort: Ray's stop is idempotent)."""

    job_id: str


@dataclass(frozen=True)
class KeepLog:
    """Copy the job's driver log into raydeck's store, so it outlives the cluster."""

    job_id: str


@dataclass(frozen=True)
class DeleteCluster:
    """Delete the job's own RayCluster (that incarnation: ``uid``)."""

    name: str
    uid: str


@dataclass(frozen=True)
class DeleteWorkers:
    """Suspend every worker group of the job's own RayCluster (KubeRay's DeleteWorkers)."""

    name: str
    uid: str


@dataclass(frozen=True)
class DeleteSelf:
    """Delete the RayJob itself; its own cluster goes with it."""


@dataclass(frozen=True)
class Event:
    """Record an event on the RayJob."""

    type: Literal["Normal", "Warning"]
    reason: str
    message: str


Action = (
    CreateCluster
    | Submit
    | StopRayJob
    | KeepLog
    | DeleteCluster
    | DeleteWorkers
    | DeleteSelf
    | Event
)
