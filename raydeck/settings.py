"""raydeck's settings, grouped and read from ``RAYDECK_*`` environment variables.

``get_settings()`` builds them; ``create_app`` and the CLI pass them down.
Nothing in raydeck reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".raydeck"


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8480, ge=1, le=65535)


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


class Settings(BaseSettings):
    """Everything raydeck can be configured with; ``RAYDECK_SERVER__PORT`` sets ``server.port``."""

    model_config = SettingsConfigDict(
        env_prefix="RAYDECK_", env_nested_delimiter="__", extra="ignore"
    )

    platform: Literal["local", "kubernetes"] = "local"
    data_dir: Path = Field(default_factory=default_data_dir)
    #: The user recorded as creator until users and logins exist.
    local_user: str = "admin"
    server: ServerSettings = Field(default_factory=ServerSettings)
    local: LocalPlatformSettings = Field(default_factory=LocalPlatformSettings)
    #: Serve the web console at ``/``. NiceGUI keeps process-wide state, so one process mounts
    #: it once; tests that build many apps in one process leave it off.
    console: bool = True

    @property
    def database_path(self) -> Path:
        return self.data_dir / "raydeck.db"


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (CLI flags) on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
