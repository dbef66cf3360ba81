"""RayCluster documents for tests, shaped like KubeRay's samples."""

from __future__ import annotations

import copy
from typing import Any

from raydeck.store.records import StoredObject


def raycluster(
    name: str = "raycluster-sample",
    *,
    workers: int = 2,
    cpu: str = "1",
    memory: str = "1Gi",
    suspend: bool | None = None,
    ray_version: str | None = None,
    labels: dict[str, str] | None = None,
    groups: int = 1,
) -> dict[str, Any]:
    container = {
        "name": "ray-head",
        "image": "rayproject/ray:2.60.0",
        "resources": {
            "limits": {"cpu": cpu, "memory": memory},
            "requests": {"cpu": cpu, "memory": memory},
        },
    }
    worker_container = copy.deepcopy(container) | {"name": "ray-worker"}
    body: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, **({"labels": labels} if labels else {})},
        "spec": {
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [container]}},
            },
            "workerGroupSpecs": [
                {
                    "groupName": f"workers{'' if i == 0 else i}",
                    "replicas": workers,
                    "minReplicas": 0,
                    "maxReplicas": 10,
                    "rayStartParams": {},
                    "template": {"spec": {"containers": [copy.deepcopy(worker_container)]}},
                }
                for i in range(groups)
            ],
        },
    }
    if ray_version is not None:
        body["spec"]["rayVersion"] = ray_version
    if suspend is not None:
        body["spec"]["suspend"] = suspend
    return body


def rayjob(
    name: str = "rayjob-sample", *, entrypoint: str = "python -c 'print(42)'", **spec: Any
) -> dict[str, Any]:
    """A RayJob with its own one-node cluster, as KubeRay's samples write it."""
    cluster = raycluster("unused", workers=0)["spec"]
    cluster["workerGroupSpecs"] = []
    body: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": name},
        "spec": {"entrypoint": entrypoint, "rayClusterSpec": cluster, **spec},
    }
    return body


SERVE_CONFIG = """\
applications:
  - name: greeter
    route_prefix: /greet
    import_path: serve_apps:greeter
    deployments:
      - name: Greeter
        num_replicas: 1
        ray_actor_options: {num_cpus: 0.1}
        user_config: {greeting: hello}
  - name: echo
    route_prefix: /echo
    import_path: serve_apps:echo
    deployments:
      - name: Echo
        ray_actor_options: {num_cpus: 0.1}
"""


def rayservice(
    name: str = "rayservice-sample",
    *,
    serve_config: str = SERVE_CONFIG,
    env: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A RayService with a one-node cluster, its Serve applications given as YAML text."""
    cluster = raycluster("unused", workers=0)["spec"]
    cluster["workerGroupSpecs"] = []
    cluster["headGroupSpec"]["rayStartParams"] = {"num-cpus": "2"}
    if env:
        container = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": name},
        "spec": {"serveConfigV2": serve_config, "rayClusterConfig": cluster, **spec},
    }


def stored(
    body: dict[str, Any],
    *,
    status: dict[str, Any] | None = None,
    template: bool = False,
    namespace: str = "default",
) -> StoredObject:
    """``body`` as the store would hand it out (uid ``uid-1``, resourceVersion 7), no store needed."""
    return StoredObject(
        kind=body["kind"],
        namespace=namespace,
        name=body["metadata"]["name"],
        uid="uid-1",
        resource_version=7,
        generation=2,
        created_at="2026-01-01T00:00:00Z",
        is_template=template,
        creator="alice",
        body=body,
        status=status,
    )
