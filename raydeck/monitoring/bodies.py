"""The JSON monitoring answers with, as pydantic models: the overview, node series, signals.

``overview.py`` and ``health.py`` build these; the API declares them as response models
(``api/models/monitoring.py``). camelCase on the wire; a series point holds only the parts
measured at its time (the others are left out, not null). No math and no I/O here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

#: A figure as raydeck shows it: whole numbers stay whole (``Number`` in the document).
Number = int | float


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        """JSON out, for bodies the monitoring manager composes itself (camelCase)."""
        return self.model_dump(by_alias=True)


class PhysicalFigures(Body):
    """Requests of pods (allocated): CPU cores, memory bytes, GPUs."""

    cpu: float
    memory_bytes: int
    gpu: int


class UsedPhysical(Body):
    cpu: float = Field(description="Busy cores of the nodes' Ray processes")
    memory_bytes: int = Field(description="Resident memory of the nodes' Ray processes")
    gpu_utilization_percent: float | None = Field(description="Mean over GPUs; null: none")


class LogicalFigures(Body):
    """Ray's logical resources (totals or ``USED``), summed over nodes."""

    cpu: Number
    gpu: Number
    memory_bytes: Number
    object_store_bytes: Number
    custom: dict[str, Number] = Field(description="Other Ray resources, by name")


class Used(Body):
    physical: UsedPhysical
    logical: LogicalFigures


class Allocated(Body):
    physical: PhysicalFigures
    logical: LogicalFigures


def _absent(value: object) -> bool:
    return value is None


class SeriesPoint(Body):
    """One bucket of the overview's charts, stamped with the bucket's end (epoch seconds)."""

    t: float
    used: Used | None = Field(default=None, exclude_if=_absent)
    allocated_logical: LogicalFigures | None = Field(default=None, exclude_if=_absent)
    allocated_physical: PhysicalFigures | None = Field(default=None, exclude_if=_absent)


class Counts(Body):
    ray_clusters: int = 0
    ray_jobs: int = 0
    ray_services: int = 0
    active_clusters: int = Field(
        default=0, description="Running Ray clusters, including those of RayJobs and RayServices"
    )


class OverviewBody(Body):
    range: str = Field(description="10m, 30m or 1h")
    source: str = Field(description="embedded or prometheus")
    counts: Counts
    allocated: Allocated
    used: Used
    series: list[SeriesPoint]
    grafana_url: str | None


class NodeLogical(Body):
    total: dict[str, Number]
    used: dict[str, Number]


class NodePoint(Body):
    """One bucket of a node's charts (``GET …/rayclusters/{name}/metrics``)."""

    t: float
    cpu_busy_cores: float
    memory_used_bytes: int
    gpu_utilization_percent: float | None
    object_store_used_bytes: int
    tasks_running: int
    actors_alive: int
    logical: NodeLogical


class ThresholdsBody(Body):
    warning: Number
    critical: Number


#: What a signal measured: numbers, a flag, the names of nodes found wanting.
SignalValue = Number | bool | list[str] | None


class SignalBody(Body):
    name: str
    level: Literal["ok", "warning", "critical"]
    message: str = Field(description="What it means and what to do")
    values: dict[str, SignalValue]
    thresholds: dict[str, ThresholdsBody]
