"""How the CLI prints objects: kubectl-like tables, YAML or JSON, and ``describe``.

Pure formatting of API answers; no requests are made here. Tables and ``describe`` read an
object through its ``Shown`` view (``views.py``); YAML and JSON print it as the server sent it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from raydeck.cli.replies import Event, Pod
from raydeck.cli.views import Shown
from raydeck.resources.codec import dump_yaml
from raydeck.resources.meta import age

CLUSTER_HEADERS = [
    "NAME",
    "TYPE",
    "STATUS",
    "WORKERS",
    "CPUS",
    "MEMORY",
    "GPUS",
    "RAY VERSION",
    "CREATOR",
    "AGE",
]
JOB_HEADERS = [
    "NAME",
    "TYPE",
    "JOB STATUS",
    "DEPLOYMENT STATUS",
    "CLUSTER",
    "START",
    "END",
    "DURATION",
    "CREATOR",
    "AGE",
]
SERVICE_HEADERS = [
    "NAME",
    "TYPE",
    "STATUS",
    "APPS RUNNING",
    "ACTIVE CLUSTER",
    "PENDING CLUSTER",
    "ENDPOINTS",
    "CREATOR",
    "AGE",
]
DATA_HEADERS = ["NAME", "DATA", "AGE"]
SECRET_HEADERS = ["NAME", "TYPE", "DATA", "AGE"]


def _framed(shown: Shown, cells: list[str], *, all_namespaces: bool) -> list[str]:
    """Name and type first (name alone for a ConfigMap or Secret), creator and age last."""
    meta = shown.metadata
    if shown.kind in ("ConfigMap", "Secret"):
        row = [meta.name, *cells, age(meta.creation_timestamp)]
    else:
        row = [meta.name, shown.type, *cells, shown.creator, age(meta.creation_timestamp)]
    return [meta.namespace or "", *row] if all_namespaces else row


def cluster_cells(shown: Shown) -> list[str]:
    status, template = shown.status, shown.type == "template"
    workers = f"{status.ready_worker_replicas}/{status.desired_worker_replicas}"
    return [
        "-" if template else (status.state or shown.waiting()),
        "-" if template else workers,
        status.desired_cpu,
        status.desired_memory,
        status.desired_gpu,
        shown.spec.ray_version or "-",
    ]


def job_cells(shown: Shown) -> list[str]:
    status = shown.status
    start, end = status.start_time, status.end_time
    return [
        status.job_status or "-",
        ("Queued" if shown.queue_reason() else status.job_deployment_status) or "-",
        status.ray_cluster_name or "-",
        start or "-",
        end or "-",
        duration(start, end),
    ]


def service_cells(shown: Shown) -> list[str]:
    status, template = shown.status, shown.type == "template"
    apps = status.active_service_status.application_statuses
    running = sum(1 for a in apps.values() if a.status == "RUNNING")
    return [
        "-" if template else shown.service_state,
        "-" if template else f"{running}/{len(apps)}",
        status.active_service_status.ray_cluster_name or "-",
        status.pending_service_status.ray_cluster_name or "-",
        str(status.num_serve_endpoints),
    ]


def data_cells(shown: Shown) -> list[str]:
    return [str(len(shown.data or {}))]


def secret_cells(shown: Shown) -> list[str]:
    """As kubectl lists Secrets: the type and how many keys, never a value."""
    return [shown.secret_type or "Opaque", str(len(shown.data or {}))]


def job_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    """A RayJob's table row; ``obj`` is the server's JSON (a true edge), read through ``Shown``."""
    shown = Shown.of(obj)
    return _framed(shown, job_cells(shown), all_namespaces=all_namespaces)


def queue_reason(obj: dict[str, Any]) -> str:
    """Why the object waits in the admission queue, empty if it does not; ``obj`` is the server's
    JSON (a true edge), read through ``Shown``."""
    return Shown.of(obj).queue_reason()


def duration(start: str | None, end: str | None, *, now: datetime | None = None) -> str:
    """How long a job ran (or has run so far), as ``age`` prints it."""
    if not start:
        return "-"
    stop = datetime.strptime(end, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if end else now
    begun = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    seconds = int(((stop or datetime.now(UTC)) - begun).total_seconds())
    return age(start, now=begun + timedelta(seconds=seconds))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "   ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [headers, *rows]
    ]
    return "\n".join(lines)


Cells = Callable[[Shown], list[str]]
LAYOUTS: dict[str, tuple[list[str], Cells]] = {
    "RayJob": (JOB_HEADERS, job_cells),
    "RayService": (SERVICE_HEADERS, service_cells),
    "ConfigMap": (DATA_HEADERS, data_cells),
    "Secret": (SECRET_HEADERS, secret_cells),
}


def render(
    objects: list[dict[str, Any]], output: str, *, all_namespaces: bool, single: bool
) -> str:
    """``objects`` as the server sent them: YAML and JSON print them back unchanged."""
    if output == "json":
        return json.dumps(objects[0] if single else {"items": objects}, indent=2)
    if output == "yaml":
        return dump_yaml(objects[0] if single else {"items": objects}).rstrip()
    shown = [Shown.of(o) for o in objects]
    base, cells = LAYOUTS.get(shown[0].kind if shown else "", (CLUSTER_HEADERS, cluster_cells))
    headers = ["NAMESPACE", *base] if all_namespaces else base
    rows = [_framed(s, cells(s), all_namespaces=all_namespaces) for s in shown]
    reasons = [s.queue_reason() for s in shown]
    if any(reasons):  # kubectl shows such a column only where something has a reason
        headers = [*headers, "REASON"]
        rows = [[*r, reason] for r, reason in zip(rows, reasons, strict=True)]
    return table(headers, rows)


def describe(shown: Shown, pods: list[Pod], events: list[Event]) -> str:
    meta, status = shown.metadata, shown.status
    reason = shown.queue_reason()
    lines = [
        f"Name:          {meta.name}",
        f"Namespace:     {meta.namespace}",
        f"Kind:          {shown.kind or None}",
        f"Type:          {shown.type}",
        f"Created:       {meta.creation_timestamp}",
        f"Ray version:   {shown.spec.any_ray_version() or '-'}",
        f"Suspended:     {shown.suspended}",
        f"State:         {shown.state()}",
        *([f"Queued:        {reason}"] if reason else []),
        f"Endpoints:     {status.endpoints}",
        "Conditions:",
    ]
    for c in status.conditions:
        lines.append(f"  {c.type:<24} {c.status:<6} {c.reason}  {c.message}")
    lines.append("Pods:")
    for p in pods:
        lines.append(
            f"  {p.name:<40} {p.phase:<8} ready={p.ready} restarts={p.restarts} pid={p.pid}"
        )
    lines.append("Events:")
    for e in events:
        lines.append(f"  {e.type:<8} {e.reason:<20} x{e.count}  {e.message}")
    return "\n".join(lines)
