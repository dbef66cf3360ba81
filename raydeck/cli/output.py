"""How the CLI prints objects: kubectl-like tables, YAML or JSON.

Pure formatting of API responses; no requests are made here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from raydeck.resources.codec import dump_yaml
from raydeck.resources.meta import age
from raydeck.resources.summary import service_state

TYPE_ANNOTATION = "raydeck.io/type"


def cluster_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    annotations = meta.get("annotations") or {}
    kind = annotations.get(TYPE_ANNOTATION, "instance")
    state = "-" if kind == "template" else (status.get("state") or _waiting(spec, status))
    workers = f"{status.get('readyWorkerReplicas', 0)}/{status.get('desiredWorkerReplicas', 0)}"
    row = [
        meta["name"],
        kind,
        state,
        workers if kind != "template" else "-",
        status.get("desiredCPU", "-"),
        status.get("desiredMemory", "-"),
        status.get("desiredGPU", "-"),
        spec.get("rayVersion") or "-",
        annotations.get("raydeck.io/creator", "-"),
        age(meta.get("creationTimestamp")),
    ]
    return [meta.get("namespace", ""), *row] if all_namespaces else row


def _waiting(spec: dict[str, Any], status: dict[str, Any]) -> str:
    """Queued (raydeck's admission queue holds it), else pending."""
    return "Queued" if status.get("queue") and not spec.get("suspend") else "pending"


def queue_reason(obj: dict[str, Any]) -> str:
    """Why a cluster (or a RayJob's or RayService's) waits in the admission queue, with its
    place; empty when nothing waits."""
    status, spec = obj.get("status") or {}, obj.get("spec") or {}
    kind = obj.get("kind")
    queue: dict[str, Any] = {}
    if spec.get("suspend"):
        return ""
    if kind == "RayCluster" and not status.get("state"):
        queue = status.get("queue") or {}
    elif kind == "RayJob" and status.get("jobDeploymentStatus") == "Initializing":
        queue = (status.get("rayClusterStatus") or {}).get("queue") or {}
    elif kind == "RayService":
        queue = status.get("queue") or {}
    if not queue:
        return ""
    return f"position {queue.get('position')}: {queue.get('reason')}"


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


def job_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    meta, status = obj["metadata"], obj.get("status") or {}
    annotations = meta.get("annotations") or {}
    start, end = status.get("startTime"), status.get("endTime")
    row = [
        meta["name"],
        annotations.get(TYPE_ANNOTATION, "instance"),
        status.get("jobStatus") or "-",
        ("Queued" if queue_reason(obj) else status.get("jobDeploymentStatus")) or "-",
        status.get("rayClusterName") or "-",
        start or "-",
        end or "-",
        duration(start, end),
        annotations.get("raydeck.io/creator", "-"),
        age(meta.get("creationTimestamp")),
    ]
    return [meta.get("namespace", ""), *row] if all_namespaces else row


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


def service_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    annotations = meta.get("annotations") or {}
    kind = annotations.get(TYPE_ANNOTATION, "instance")
    active = status.get("activeServiceStatus") or {}
    apps = active.get("applicationStatuses") or {}
    running = sum(1 for a in apps.values() if a.get("status") == "RUNNING")
    row = [
        meta["name"],
        kind,
        "-" if kind == "template" else service_state(spec, status or None),
        f"{running}/{len(apps)}" if kind != "template" else "-",
        active.get("rayClusterName") or "-",
        (status.get("pendingServiceStatus") or {}).get("rayClusterName") or "-",
        str(status.get("numServeEndpoints", 0)),
        annotations.get("raydeck.io/creator", "-"),
        age(meta.get("creationTimestamp")),
    ]
    return [meta.get("namespace", ""), *row] if all_namespaces else row


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


def render(
    objects: list[dict[str, Any]], output: str, *, all_namespaces: bool, single: bool
) -> str:
    if output == "json":
        return json.dumps(objects[0] if single else {"items": objects}, indent=2)
    if output == "yaml":
        return dump_yaml(objects[0] if single else {"items": objects}).rstrip()
    kind = objects[0].get("kind") if objects else "RayCluster"
    base, row = {
        "RayJob": (JOB_HEADERS, job_row),
        "RayService": (SERVICE_HEADERS, service_row),
        "ConfigMap": (DATA_HEADERS, data_row),
        "Secret": (SECRET_HEADERS, secret_row),
    }.get(str(kind), (CLUSTER_HEADERS, cluster_row))
    headers = ["NAMESPACE", *base] if all_namespaces else base
    rows = [row(o, all_namespaces=all_namespaces) for o in objects]
    reasons = [queue_reason(o) for o in objects]
    if any(reasons):  # kubectl shows such a column only where something has a reason
        headers = [*headers, "REASON"]
        rows = [[*r, reason] for r, reason in zip(rows, reasons, strict=True)]
    return table(headers, rows)


DATA_HEADERS = ["NAME", "DATA", "AGE"]


def data_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    meta = obj["metadata"]
    row = [meta["name"], str(len(obj.get("data") or {})), age(meta.get("creationTimestamp"))]
    return [meta.get("namespace", ""), *row] if all_namespaces else row


SECRET_HEADERS = ["NAME", "TYPE", "DATA", "AGE"]


def secret_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    """As kubectl lists Secrets: how many keys, never a value."""
    row = data_row(obj, all_namespaces=False)
    row.insert(1, str(obj.get("type") or "Opaque"))
    return [obj["metadata"].get("namespace", ""), *row] if all_namespaces else row


def describe(obj: dict[str, Any], pods: list[dict[str, Any]], events: list[dict[str, Any]]) -> str:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    lines = [
        f"Name:          {meta['name']}",
        f"Namespace:     {meta.get('namespace')}",
        f"Kind:          {obj.get('kind')}",
        f"Type:          {(meta.get('annotations') or {}).get(TYPE_ANNOTATION, 'instance')}",
        f"Created:       {meta.get('creationTimestamp')}",
        f"Ray version:   {_ray_version(spec) or '-'}",
        f"Suspended:     {bool(spec.get('suspend'))}",
        f"State:         {_state(obj)}",
        *([f"Queued:        {queue_reason(obj)}"] if queue_reason(obj) else []),
        f"Endpoints:     {status.get('endpoints') or {}}",
        "Conditions:",
    ]
    for c in status.get("conditions") or []:
        lines.append(
            f"  {c['type']:<24} {c['status']:<6} {c.get('reason', '')}  {c.get('message', '')}"
        )
    lines.append("Pods:")
    for p in pods:
        lines.append(
            f"  {p['name']:<40} {p['phase']:<8} ready={p['ready']} restarts={p['restarts']}"
            f" pid={p.get('pid')}"
        )
    lines.append("Events:")
    for e in events:
        lines.append(f"  {e['type']:<8} {e['reason']:<20} x{e['count']}  {e['message']}")
    return "\n".join(lines)


def _ray_version(spec: dict[str, Any]) -> str:
    for cluster in (spec, spec.get("rayClusterSpec") or {}, spec.get("rayClusterConfig") or {}):
        if cluster.get("rayVersion"):
            return str(cluster["rayVersion"])
    return ""


def _state(obj: dict[str, Any]) -> str:
    status = obj.get("status") or {}
    if obj.get("kind") == "RayService":
        return service_state(obj.get("spec") or {}, status or None)
    found = status.get("state") or status.get("jobDeploymentStatus")
    return str(found or _waiting(obj.get("spec") or {}, status))
