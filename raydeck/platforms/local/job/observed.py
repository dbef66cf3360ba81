"""What one pass over a RayJob saw before deciding: the records ``plan.py`` reads.

The reconciler fills them from the store (the job's RayCluster) and from the cluster's Ray
Jobs API (the Ray job); tests build them by hand. They hold values only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj


@dataclass(frozen=True)
class ClusterSeen:
    """The RayCluster the job runs on, as the store holds it now."""

    name: str
    uid: str
    #: Created for this RayJob (not one chosen by clusterSelector, nor an older job's).
    owned: bool
    status: rc.RayClusterStatus
    #: Every worker group has ``suspend: true`` (what DeleteWorkers leaves).
    workers_suspended: bool = False

    @property
    def ready(self) -> bool:
        return self.status.state == rc.ClusterState.READY

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{(self.status.endpoints or {}).get('dashboard')}"


@dataclass(frozen=True)
class RayJobSeen:
    """The Ray job as the cluster's Jobs API reports it; ``known=False``: Ray has no such job."""

    known: bool
    status: rj.JobStatus = rj.JobStatus.NEW
    message: str = ""
    #: When Ray started and ended the job, in milliseconds since the epoch.
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class Observed:
    """What one reconcile pass saw before deciding."""

    now: datetime
    #: The RayCluster named by ``status.rayClusterName``; ``None`` when there is none.
    cluster: ClusterSeen | None = None
    #: The Ray job named by :func:`ray_job_wanted`; ``None`` when it was not asked for.
    ray_job: RayJobSeen | None = None
    #: Why the Jobs API could not answer, when it could not.
    jobs_api_error: str | None = None
    #: Why the submission this pass tried failed (the reconciler then plans again).
    submit_error: str | None = None
