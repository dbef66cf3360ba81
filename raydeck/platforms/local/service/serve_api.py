"""Ray Serve's REST API on one cluster's dashboard, and its HTTP proxy's health check.

The RayService reconciler deploys with ``PUT /api/serve/applications/`` and
reads application and deployment statuses with ``GET`` on the same path. This
module only speaks HTTP, turns Serve's answers into typed states and failures
into raydeck errors; what to deploy and when is ``plan.py``'s business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from raydeck.errors import PlatformUnavailable, RaydeckError
from raydeck.platforms.local.runtime_env import explained
from raydeck.resources.rayservice import ApplicationStatus, DeploymentStatus

APPLICATIONS = "/api/serve/applications/"
#: Starting Serve's controller and proxies on a fresh cluster takes several seconds.
DEPLOY_TIMEOUT = 120.0
#: Serve's status comes from its controller through the dashboard: seconds on a busy machine.
STATUS_TIMEOUT = 20.0


class DeployRejected(RaydeckError):
    """Serve refused the config (HTTP 400): the message says why."""

    reason = "DeployRejected"


@dataclass(frozen=True)
class DeploymentState:
    """One Serve deployment as Serve reports it. The status stays Serve's own word: Serve has
    more deployment statuses (UPSCALING, DEPLOY_FAILED, ...) than KubeRay names."""

    status: str
    message: str = ""

    @property
    def healthy(self) -> bool:
        return self.status == DeploymentStatus.HEALTHY


@dataclass(frozen=True)
class AppState:
    """One Serve application as Serve reports it, with its deployments."""

    status: ApplicationStatus
    message: str = ""
    deployments: Mapping[str, DeploymentState] = field(default_factory=dict)

    def healthy(self) -> bool:
        """RUNNING with every deployment HEALTHY."""
        return self.status == ApplicationStatus.RUNNING and all(
            d.healthy for d in self.deployments.values()
        )


class ServeApi:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        dashboard_port: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._http = http
        self._url = f"http://127.0.0.1:{dashboard_port}{APPLICATIONS}"
        #: The cluster's Ray token (``Authorization: Bearer``) when Ray's token auth is on.
        self._headers = headers or {}

    async def deploy(self, document: Mapping[str, Any]) -> None:
        """Apply ``document`` (Serve's JSON config, a true edge) to the cluster."""
        response = await self._request("PUT", json=document, timeout=DEPLOY_TIMEOUT)
        if response.status_code == 400:
            raise DeployRejected(f"Serve rejected the config: {response.text.strip()[:2000]}")
        if response.status_code >= 300:
            raise PlatformUnavailable(
                f"deploying to {self._url} failed with {response.status_code}: "
                f"{response.text.strip()[:500]}"
            )

    async def applications(self) -> dict[str, AppState]:
        response = await self._request("GET", timeout=STATUS_TIMEOUT)
        if response.status_code != 200:
            raise PlatformUnavailable(
                f"{self._url} answered {response.status_code}: {response.text.strip()[:500]}"
            )
        details = response.json()
        return {
            name: AppState(
                status=ApplicationStatus.of(str(app.get("status") or "")),
                # Ray's runtime env failure is a traceback: said in one line, naming what
                # of the app's runtime env needed the network.
                message=explained(
                    str(app.get("message") or ""),
                    (app.get("deployed_app_config") or {}).get("runtime_env"),
                ),
                deployments={
                    deployment: DeploymentState(
                        str(d.get("status") or ""), str(d.get("message") or "")
                    )
                    for deployment, d in (app.get("deployments") or {}).items()
                },
            )
            for name, app in (details.get("applications") or {}).items()
        }

    async def _request(self, method: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, self._url, headers=self._headers, **kwargs)
        except httpx.HTTPError as e:
            raise PlatformUnavailable(f"Serve's API at {self._url} cannot be reached: {e}") from e


async def proxy_healthy(http: httpx.AsyncClient, *, serve_port: int) -> bool:
    """Whether the cluster's Serve HTTP proxy answers its health check."""
    try:
        response = await http.get(f"http://127.0.0.1:{serve_port}/-/healthz", timeout=2.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200
