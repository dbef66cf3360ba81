"""raydeck's settings, grouped and read from ``RAYDECK_*`` environment variables.

``get_settings()`` builds them; ``create_app`` and the CLI pass them down.
Nothing in raydeck reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".raydeck"


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8480, ge=1, le=65535)
    #: Addresses of proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    #: (comma-separated IPs or networks, as uvicorn's ``forwarded_allow_ips``); empty: none.
    forwarded_allow_ips: str = ""


class LocalPlatformSettings(BaseModel):
    """How the local platform runs Ray node processes."""

    #: Ports for Ray nodes are taken from this loopback range.
    port_range_start: int = Field(default=20000, ge=1024, le=65000)
    port_range_end: int = Field(default=29999, ge=1025, le=65535)
    #: Seconds a node process gets after SIGTERM before its group is killed, unless the
    #: pod template sets ``terminationGracePeriodSeconds``.
    termination_grace_seconds: float = Field(default=5.0, ge=0)
    #: Back-off for restarting a dead node process: initial and maximum delay in seconds.
    restart_backoff_initial: float = Field(default=1.0, gt=0)
    restart_backoff_max: float = Field(default=60.0, gt=0)
    #: Seconds a head or worker may take to register with Ray before it counts as failed.
    node_start_timeout: float = Field(default=120.0, gt=0)
    #: How often running clusters are re-checked when nothing changes.
    resync_seconds: float = Field(default=2.0, gt=0)
    #: What the admission queue may hand out on this machine (docs/local-platform.md): CPUs
    #: (default: no limit, Ray's CPUs are logical), memory as a quantity such as "16Gi"
    #: (default: the physical memory), GPUs (default: no limit) and node processes
    #: (default: one per 512 MiB of physical memory, at least 4). Set, each is a hard limit.
    capacity_cpu: float | None = Field(default=None, gt=0)
    capacity_memory: str | None = None
    capacity_gpu: int | None = Field(default=None, ge=0)
    capacity_nodes: int | None = Field(default=None, ge=1)
    #: Ray's own token authentication for local clusters (Ray >= 2.52): "token" starts every
    #: node with RAY_AUTH_MODE=token and a per-cluster token only raydeck holds.
    ray_auth: Literal["token", "disabled"] = "token"
    #: When raydeck runs as root, each namespace's nodes run as an OS user of their own
    #: (``raydeck-ns-<hash>``), created with useradd; off: they run as raydeck's user.
    tenant_users: bool = True
    #: The uids (and gids) those users take: the lowest free one of this range each. The default
    #: lies above login users, system users and the usual subordinate-id ranges.
    tenant_uid_start: int = Field(default=1_900_000_000, ge=1000, le=2_000_000_000)
    tenant_uid_count: int = Field(default=65536, ge=1, le=100_000_000)
    #: How often a cluster waiting in the admission queue looks again.
    queue_recheck_seconds: float = Field(default=1.0, gt=0)
    #: This machine reaches no network: a RayJob or RayService whose runtime env fetches code
    #: or packages (a remote working_dir or py_modules, pip, uv, conda) is refused when written
    #: instead of failing when Ray sets it up. Off by default: raydeck cannot know whether Ray
    #: will reach the URL, so it lets Ray try and says why when it fails.
    offline: bool = False


class AuthSettings(BaseModel):
    """Logins, tokens and console sessions."""

    #: Days an API token stays valid; 0 means it never expires (until revoked).
    token_days: float = Field(default=90, ge=0)
    #: Hours a console session (cookie) stays valid.
    session_hours: float = Field(default=12, gt=0)
    #: Failed logins of one user name from one client before each further try waits 1, 2, 4 ...
    #: seconds (at most the window); failures are forgotten after a window without one.
    login_max_failures: int = Field(default=5, ge=1)
    #: The same for one client address across all user names (one client spraying names).
    login_client_max_failures: int = Field(default=20, ge=1)
    login_window_seconds: float = Field(default=300, gt=0)
    #: Session cookies carry the Secure flag (browsers still send them to http://127.0.0.1).
    secure_cookies: bool = True


class KubernetesSettings(BaseModel):
    """How the kubernetes platform reaches its API server."""

    #: A kubeconfig file; unset means $KUBECONFIG, ~/.kube/config, or the in-cluster config.
    kubeconfig: Path | None = None
    #: The kubeconfig context to use; unset means the current context.
    context: str | None = None
    #: Objects per API list request when raydeck reads everything at start (limit/continue).
    page_size: int = Field(default=250, ge=1, le=5000)
    #: Seconds after which the API server ends a watch and raydeck resumes it.
    watch_timeout_seconds: int = Field(default=300, ge=10)


class MonitoringSettings(BaseModel):
    """Where cluster metrics come from and how long raydeck keeps them."""

    #: Seconds between two samples of every cluster's Ray metrics (embedded source).
    sample_interval: float = Field(default=5.0, gt=0)
    #: How much history the embedded source keeps in memory, in seconds.
    retention_seconds: float = Field(default=3600.0, gt=0)
    #: A Prometheus server to ask instead of sampling Ray's endpoints (``--prometheus-url``).
    prometheus_url: str | None = None
    #: A Grafana to link to from the overview (``--grafana-url``).
    grafana_url: str | None = None
    #: Where raydeck writes a Prometheus file_sd file listing every running Ray node, if anywhere.
    file_sd_path: Path | None = None
    #: Seconds a health probe of a cluster's APIs may take before it counts as failed.
    probe_timeout: float = Field(default=10.0, gt=0)


class Settings(BaseSettings):
    """Everything raydeck can be configured with; ``RAYDECK_SERVER__PORT`` sets ``server.port``."""

    model_config = SettingsConfigDict(
        env_prefix="RAYDECK_", env_nested_delimiter="__", extra="ignore"
    )

    platform: Literal["local", "kubernetes"] = "local"
    data_dir: Path = Field(default_factory=default_data_dir)
    #: Password of the ``admin`` user created on first start (RAYDECK_ADMIN_PASSWORD); when
    #: unset, a generated one is printed once.
    admin_password: SecretStr | None = None
    auth: AuthSettings = Field(default_factory=AuthSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    local: LocalPlatformSettings = Field(default_factory=LocalPlatformSettings)
    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    #: Serve the web console at ``/``. NiceGUI keeps process-wide state, so one process mounts
    #: it once; tests that build many apps in one process leave it off.
    console: bool = True

    @property
    def database_path(self) -> Path:
        return self.data_dir / "raydeck.db"


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (CLI flags) on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
