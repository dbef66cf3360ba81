"""Per-node figures derived from one scrape of a Ray node's Prometheus endpoint.

Both sources end in the same flat ``Figures`` (name → value), so the overview
and per-cluster series never care where numbers came from. The PromQL in
``prometheus.py`` computes the same names from the same Ray metrics.

Physical usage counts the CPU and resident memory of the node's own Ray
processes (GCS, raylet and its workers), not the host's: several nodes share a
host on the local platform, and host-wide figures would count it once per node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

Figures = dict[str, float]

CPU_BUSY = "cpuBusyCores"
MEMORY_USED = "memoryUsedBytes"
GPU_UTILIZATION = "gpuUtilizationPercent"
GPUS = "gpus"
OBJECT_STORE_USED = "objectStoreUsedBytes"
TASKS_RUNNING = "tasksRunning"
ACTORS_ALIVE = "actorsAlive"
LOGICAL_TOTAL = "logicalTotal:"
LOGICAL_USED = "logicalUsed:"
GCS_OPERATIONS = "gcsOperationsTotal"
GCS_ACTIVE = "gcsOperationsActive"
GCS_QUEUE_MS_SUM = "gcsQueueingMsSum"
GCS_QUEUE_COUNT = "gcsQueueingCount"

#: The dashboard agent is reported twice (as "agent" and among the raylet's children).
_DOUBLE_COUNTED_COMPONENTS = frozenset({"agent"})


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


#: The metric names figures are made of; a node serves hundreds more (histogram buckets above all).
WANTED = (
    "ray_component_cpu_percentage",
    "ray_component_rss_bytes",
    "ray_node_gpus_utilization",
    "ray_object_store_used_memory",
    "ray_resources",
    "ray_tasks",
    "ray_actors",
    "ray_operation_count_total",
    "ray_operation_active_count",
    "ray_operation_queue_time_ms_sum",
    "ray_operation_queue_time_ms_count",
)


def wanted_lines(text: str) -> str:
    """Only the sample lines of ``WANTED`` metrics: parsing the rest would cost ten times more."""
    keep = []
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in WANTED:
            keep.append(line)
    return "\n".join(keep) + "\n"


def parse_exposition(text: str) -> list[Sample]:
    """Samples of the ``WANTED`` metrics in a Prometheus text exposition (Ray's metrics endpoint)."""
    samples: list[Sample] = []
    for family in text_string_to_metric_families(wanted_lines(text)):
        for s in family.samples:
            samples.append(Sample(s.name, dict(s.labels), float(s.value)))
    return samples


def node_figures(samples: Iterable[Sample]) -> Figures:
    """The figures of one node from its own samples."""
    figures: Figures = {CPU_BUSY: 0.0, MEMORY_USED: 0.0, OBJECT_STORE_USED: 0.0}
    gpu_values: list[float] = []
    for s in samples:
        _add(figures, gpu_values, s)
    for key in (TASKS_RUNNING, ACTORS_ALIVE):
        if key in figures:
            figures[key] = max(0.0, figures[key])
    if gpu_values:
        figures[GPU_UTILIZATION] = sum(gpu_values) / len(gpu_values)
        figures[GPUS] = float(len(gpu_values))
    return figures


def _add(figures: Figures, gpu_values: list[float], s: Sample) -> None:
    name, labels = s.name, s.labels
    if name == "ray_component_cpu_percentage":
        if labels.get("Component") not in _DOUBLE_COUNTED_COMPONENTS:
            figures[CPU_BUSY] += s.value / 100.0
    elif name == "ray_component_rss_bytes":
        if labels.get("Component") not in _DOUBLE_COUNTED_COMPONENTS:
            figures[MEMORY_USED] += s.value
    elif name == "ray_node_gpus_utilization":
        gpu_values.append(s.value)
    elif name == "ray_object_store_used_memory":
        figures[OBJECT_STORE_USED] += s.value
    elif name == "ray_resources":
        _add_logical(figures, labels, s.value)
    elif name == "ray_tasks" and labels.get("State", "").startswith("RUNNING"):
        # Workers report deltas of task states; only the node's sum is meaningful.
        figures[TASKS_RUNNING] = figures.get(TASKS_RUNNING, 0.0) + s.value
    elif name == "ray_actors" and _alive_here(labels):
        figures[ACTORS_ALIVE] = figures.get(ACTORS_ALIVE, 0.0) + s.value
    elif labels.get("Component") == "gcs_server":
        _add_gcs(figures, name, s.value)


def _alive_here(labels: Mapping[str, str]) -> bool:
    """An actor alive on this node, as its executor reports it (the GCS reports all of them too)."""
    return labels.get("Source") == "executor" and labels.get("State", "").startswith("ALIVE")


def _add_logical(figures: Figures, labels: Mapping[str, str], value: float) -> None:
    resource = labels.get("Name", "")
    total = LOGICAL_TOTAL + resource
    figures[total] = figures.get(total, 0.0) + value
    if labels.get("State") == "USED":
        used = LOGICAL_USED + resource
        figures[used] = figures.get(used, 0.0) + value


_GCS_SERIES = {
    "ray_operation_count_total": GCS_OPERATIONS,
    "ray_operation_active_count": GCS_ACTIVE,
    "ray_operation_queue_time_ms_sum": GCS_QUEUE_MS_SUM,
    "ray_operation_queue_time_ms_count": GCS_QUEUE_COUNT,
}


def _add_gcs(figures: Figures, name: str, value: float) -> None:
    key = _GCS_SERIES.get(name)
    if key is not None:
        figures[key] = figures.get(key, 0.0) + value


def logical(figures: Mapping[str, float], prefix: str) -> dict[str, float]:
    """Logical resources under ``prefix`` (LOGICAL_TOTAL or LOGICAL_USED), by Ray resource name."""
    return {k[len(prefix) :]: v for k, v in figures.items() if k.startswith(prefix)}
