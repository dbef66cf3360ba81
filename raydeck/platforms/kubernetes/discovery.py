"""Which resource types the API server serves: KubeRay's CRDs (required) and Kueue's (optional).

``KubernetesPlatform.start`` and ``check_connection`` ask before anything is mirrored.
"""

from __future__ import annotations

from raydeck.errors import NotFound, PlatformUnavailable
from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.platforms.kubernetes.convert import OBJECT_TYPES, ApiType


async def served_plurals(client: KubeClient, api_version: str) -> set[str]:
    """The resource names the API server serves under ``api_version`` (none if it serves no
    such group version)."""
    try:
        resources = await client.request("GET", api_version)
    except NotFound:
        return set()
    return {str(r.get("name")) for r in resources.get("resources") or []}


async def serves(client: KubeClient, api: ApiType) -> bool:
    """Whether the API server serves ``api`` (an optional CRD such as Kueue's Workload)."""
    return api.plural in await served_plurals(client, api.api_version)


async def served_types(client: KubeClient) -> set[ApiType]:
    """The object types the API server serves; without KubeRay's RayCluster CRD, refuse."""
    plurals = await served_plurals(client, "ray.io/v1")
    if "rayclusters" not in plurals:
        raise PlatformUnavailable(
            f"the Kubernetes API server at {client.server} does not serve ray.io/v1 RayClusters: "
            "install KubeRay's CRDs and operator first (see docs/kubernetes.md)"
        )
    return {t for t in OBJECT_TYPES if t.api_version != "ray.io/v1" or t.plural in plurals}
