"""The create dialog's form, as plain data, and how it reads from and writes into a document.

The dialog keeps one document (the dict a YAML tab shows). ``read_form`` fills
a form from it; ``apply_form`` writes the form's fields back into it and
leaves every field the form does not show as it was, so switching between the
Form and YAML tabs never loses what a user wrote by hand.

The document and its parts stay raw dicts on purpose: it is the YAML the user
typed, with every field kept as written, including those no model here knows.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml

from raydeck.resources import raycluster, rayjob, rayservice
from raydeck.resources.summary import GPU_KEYS

GPU_KEY = GPU_KEYS[0]
DEFAULT_IMAGE = "rayproject/ray:2.60.0"


@dataclass
class Resources:
    cpu: str = "1"
    memory: str = "2Gi"
    gpu: int = 0


@dataclass
class WorkerGroup:
    name: str = "workers"
    replicas: int = 1
    min_replicas: int = 0
    max_replicas: int = 5
    resources: Resources = field(default_factory=lambda: Resources("1", "1Gi"))
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class ServeApp:
    name: str = "app"
    route_prefix: str = "/"
    import_path: str = ""


@dataclass
class Form:
    """Every field the form shows; which of them apply depends on the kind."""

    kind: str
    name: str = ""
    namespace: str = "default"
    ray_version: str = ""
    image: str = DEFAULT_IMAGE
    head: Resources = field(default_factory=Resources)
    head_params: dict[str, str] = field(default_factory=dict)
    workers: list[WorkerGroup] = field(default_factory=list)
    # RayJob
    entrypoint: str = ""
    runtime_env_yaml: str = ""
    shutdown_after_job_finishes: bool = True
    ttl_seconds_after_finished: int = 0
    active_deadline_seconds: int | None = None
    backoff_limit: int = 0
    # RayService
    apps: list[ServeApp] = field(default_factory=list)


#: Where each kind keeps its cluster's spec, below ``spec`` (a RayCluster: ``spec`` itself).
CLUSTER_FIELD = {
    raycluster.KIND: None,
    rayjob.KIND: "rayClusterSpec",
    rayservice.KIND: "rayClusterConfig",
}


# Raw: the user's YAML document (see the module's docstring); so are the other dicts here.
def new_document(kind: str) -> dict[str, Any]:
    """A fresh document of ``kind`` in KubeRay's shape, ready to fill in."""
    form = Form(kind=kind, name=f"my-{kind.lower()}", workers=[WorkerGroup()])
    if kind == rayjob.KIND:
        form.entrypoint = "python -c 'import ray; ray.init(); print(ray.cluster_resources())'"
        form.workers = []
    if kind == rayservice.KIND:
        form.apps = [ServeApp(name="app", route_prefix="/", import_path="module:app")]
        form.workers = []
    return apply_form({"apiVersion": "ray.io/v1", "kind": kind, "metadata": {}, "spec": {}}, form)


def apply_form(document: dict[str, Any], form: Form) -> dict[str, Any]:
    """A copy of ``document`` with the form's fields written in."""
    doc = copy.deepcopy(document)
    doc["apiVersion"], doc["kind"] = "ray.io/v1", form.kind
    metadata = doc.setdefault("metadata", {})
    metadata["name"] = form.name
    metadata["namespace"] = form.namespace
    spec = doc.setdefault("spec", {})
    where = CLUSTER_FIELD[form.kind]
    cluster = spec if where is None else spec.setdefault(where, {})
    _apply_cluster(cluster, form)
    if form.kind == rayjob.KIND:
        _apply_job(spec, form)
    if form.kind == rayservice.KIND:
        spec["serveConfigV2"] = _serve_config(spec.get("serveConfigV2") or "", form.apps)
    return doc


def read_form(document: dict[str, Any]) -> Form:
    """The form's view of ``document``; fields it cannot read keep their defaults."""
    kind = str(document.get("kind") or raycluster.KIND)
    metadata = document.get("metadata") or {}
    spec = document.get("spec") or {}
    where = CLUSTER_FIELD.get(kind)
    cluster = spec if where is None else (spec.get(where) or {})
    head = cluster.get("headGroupSpec") or {}
    form = Form(
        kind=kind if kind in CLUSTER_FIELD else raycluster.KIND,
        name=str(metadata.get("name") or ""),
        namespace=str(metadata.get("namespace") or "default"),
        ray_version=str(cluster.get("rayVersion") or ""),
        image=str(_container(head).get("image") or DEFAULT_IMAGE),
        head=_read_resources(_container(head)),
        head_params=_strings(head.get("rayStartParams")),
        workers=[_read_group(g) for g in cluster.get("workerGroupSpecs") or []],
    )
    if form.kind == rayjob.KIND:
        _read_job(spec, form)
    if form.kind == rayservice.KIND:
        form.apps = _read_apps(str(spec.get("serveConfigV2") or ""))
    return form


# -- clusters ---------------------------------------------------------------------------------


def _apply_cluster(cluster: dict[str, Any], form: Form) -> None:
    if form.ray_version:
        cluster["rayVersion"] = form.ray_version
    else:
        cluster.pop("rayVersion", None)
    head = cluster.setdefault("headGroupSpec", {})
    head["rayStartParams"] = dict(form.head_params)
    _apply_container(head, "ray-head", form.image, form.head)
    existing = {g.get("groupName"): g for g in cluster.get("workerGroupSpecs") or []}
    groups = []
    for group in form.workers:
        spec = existing.get(group.name) or {}
        spec.update(
            groupName=group.name,
            replicas=group.replicas,
            minReplicas=group.min_replicas,
            maxReplicas=group.max_replicas,
            rayStartParams=dict(group.params),
        )
        _apply_container(spec, "ray-worker", form.image, group.resources)
        groups.append(spec)
    cluster["workerGroupSpecs"] = groups


def _apply_container(group: dict[str, Any], name: str, image: str, resources: Resources) -> None:
    pod = group.setdefault("template", {}).setdefault("spec", {})
    containers = pod.setdefault("containers", [])
    if not containers:
        containers.append({"name": name})
    container = containers[0]
    container["image"] = image
    amounts: dict[str, str | int] = {"cpu": resources.cpu, "memory": resources.memory}
    if resources.gpu:
        amounts[GPU_KEY] = resources.gpu
    container["resources"] = {"requests": dict(amounts), "limits": dict(amounts)}


def _container(group: dict[str, Any]) -> dict[str, Any]:
    containers = ((group.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    first: dict[str, Any] = containers[0]
    return first


def _read_resources(container: dict[str, Any]) -> Resources:
    resources = container.get("resources") or {}
    values = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    gpu = values.get(GPU_KEY, 0)
    return Resources(
        cpu=str(values.get("cpu", "")),
        memory=str(values.get("memory", "")),
        gpu=int(gpu) if str(gpu).isdigit() else 0,
    )


def _read_group(group: dict[str, Any]) -> WorkerGroup:
    return WorkerGroup(
        name=str(group.get("groupName") or ""),
        replicas=_int(group.get("replicas"), 0),
        min_replicas=_int(group.get("minReplicas"), 0),
        max_replicas=_int(group.get("maxReplicas"), 0),
        resources=_read_resources(_container(group)),
        params=_strings(group.get("rayStartParams")),
    )


# -- jobs and services ------------------------------------------------------------------------


def _apply_job(spec: dict[str, Any], form: Form) -> None:
    spec["entrypoint"] = form.entrypoint
    if form.runtime_env_yaml.strip():
        spec["runtimeEnvYAML"] = form.runtime_env_yaml
    else:
        spec.pop("runtimeEnvYAML", None)
    spec["shutdownAfterJobFinishes"] = form.shutdown_after_job_finishes
    spec["ttlSecondsAfterFinished"] = form.ttl_seconds_after_finished
    spec["backoffLimit"] = form.backoff_limit
    if form.active_deadline_seconds:
        spec["activeDeadlineSeconds"] = form.active_deadline_seconds
    else:
        spec.pop("activeDeadlineSeconds", None)


def _read_job(spec: dict[str, Any], form: Form) -> None:
    form.entrypoint = str(spec.get("entrypoint") or "")
    form.runtime_env_yaml = str(spec.get("runtimeEnvYAML") or "")
    form.shutdown_after_job_finishes = bool(spec.get("shutdownAfterJobFinishes", False))
    form.ttl_seconds_after_finished = _int(spec.get("ttlSecondsAfterFinished"), 0)
    form.backoff_limit = _int(spec.get("backoffLimit"), 0)
    deadline = spec.get("activeDeadlineSeconds")
    form.active_deadline_seconds = deadline if isinstance(deadline, int) else None


def _serve_config(text: str, apps: list[ServeApp]) -> str:
    """``text`` with its applications' names, routes and import paths set from the form; every
    other setting of an application of the same name is kept."""
    try:
        document = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    existing = {
        str(a.get("name")): a for a in document.get("applications") or [] if isinstance(a, dict)
    }
    document["applications"] = [
        {
            **existing.get(app.name, {}),
            "name": app.name,
            "route_prefix": app.route_prefix,
            "import_path": app.import_path,
        }
        for app in apps
    ]
    return yaml.safe_dump(document, sort_keys=False)


def _read_apps(text: str) -> list[ServeApp]:
    try:
        document = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        return []
    apps = document.get("applications") if isinstance(document, dict) else None
    return [
        ServeApp(
            name=str(a.get("name") or "default"),
            route_prefix=str(a.get("route_prefix") or "/"),
            import_path=str(a.get("import_path") or ""),
        )
        for a in apps or []
        if isinstance(a, dict)
    ]


def _strings(values: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()} if isinstance(values, dict) else {}


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
