"""The CLI's own config file: one bearer token per raydeck server URL.

``raydeck login`` and ``raydeck up`` write it; every other command reads the
token for its ``--server`` from it (``RAYDECK_TOKEN`` overrides). The file is
created private to the user (0600), because a token is as good as a password.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_ENV = "RAYDECK_CONFIG"
TOKEN_ENV = "RAYDECK_TOKEN"


class ServerEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    username: str = ""
    token: str = ""


class ConfigFile(BaseModel):
    """The file's shape; whatever else it holds is kept as it is."""

    model_config = ConfigDict(extra="allow")

    servers: dict[str, ServerEntry] = Field(default_factory=dict)


def config_path() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "raydeck" / "config.json"


def _normal(url: str) -> str:
    return url.rstrip("/")


def _load(path: Path) -> ConfigFile:
    """The file, or an empty config where there is none or it cannot be read."""
    try:
        return ConfigFile.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return ConfigFile()


def token_for(server: str) -> str | None:
    """The token to send to ``server``: ``RAYDECK_TOKEN``, else the stored one."""
    explicit = os.environ.get(TOKEN_ENV)
    if explicit:
        return explicit
    entry = _load(config_path()).servers.get(_normal(server))
    return entry.token if entry is not None and entry.token else None


def save_token(server: str, *, username: str, token: str) -> Path:
    path = config_path()
    config = _load(path)
    config.servers[_normal(server)] = ServerEntry(username=username, token=token)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _save(path, config)
    return path


def forget_token(server: str) -> None:
    path = config_path()
    config = _load(path)
    if config.servers.pop(_normal(server), None) is not None:
        _save(path, config)


def _save(path: Path, config: ConfigFile) -> None:
    """Replace the file in one step, private to the user from its first byte."""
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(config.model_dump_json(indent=2))
    temporary.replace(path)
