"""How the CLI prints objects: kubectl-like tables, YAML or JSON.

Pure formatting of API responses; no requests are made here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from raydeck.resources.codec import dump_yaml

TYPE_ANNOTATION = "raydeck.io/type"


def age(timestamp: str | None, *, now: datetime | None = None) -> str:
    if not timestamp:
        return "-"
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "-"
    seconds = int(((now or datetime.now(UTC)) - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def cluster_row(obj: dict[str, Any], *, all_namespaces: bool) -> list[str]:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    annotations = meta.get("annotations") or {}
    kind = annotations.get(TYPE_ANNOTATION, "instance")
    state = "-" if kind == "template" else (status.get("state") or "pending")
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
    headers = ["NAMESPACE", *CLUSTER_HEADERS] if all_namespaces else CLUSTER_HEADERS
    return table(headers, [cluster_row(o, all_namespaces=all_namespaces) for o in objects])


def describe(obj: dict[str, Any], pods: list[dict[str, Any]], events: list[dict[str, Any]]) -> str:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    lines = [
        f"Name:          {meta['name']}",
        f"Namespace:     {meta.get('namespace')}",
        f"Kind:          {obj.get('kind')}",
        f"Type:          {(meta.get('annotations') or {}).get(TYPE_ANNOTATION, 'instance')}",
        f"Created:       {meta.get('creationTimestamp')}",
        f"Ray version:   {spec.get('rayVersion') or '-'}",
        f"Suspended:     {bool(spec.get('suspend'))}",
        f"State:         {status.get('state') or 'pending'}",
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
