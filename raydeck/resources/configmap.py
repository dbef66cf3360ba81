"""The core/v1 ConfigMap kind, as far as raydeck needs it: named text data for pods' volumes.

Users send ConfigMaps in the same files as their RayJobs (KubeRay's samples do);
the local platform mounts them into node processes. Validation (the Kubernetes
API server's rules for names, keys and size) is in ``validation/configmap.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from raydeck.resources.meta import KubeModel, ObjectMeta

KIND = "ConfigMap"
PLURAL = "configmaps"
MAX_BYTES = 1024 * 1024


class ConfigMap(KubeModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["ConfigMap"] = "ConfigMap"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    data: dict[str, str] | None = None
    immutable: bool | None = None
