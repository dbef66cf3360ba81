"""The CLI's own config file: one bearer token per raydeck server URL.

``raydeck login`` and ``raydeck up`` write it; every other command reads the
token for its ``--server`` from it (``RAYDECK_TOKEN`` overrides). The file is
created private to the user (0600), because a token is as good as a password.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CONFIG_ENV = "RAYDECK_CONFIG"
TOKEN_ENV = "RAYDECK_TOKEN"


def config_path() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "raydeck" / "config.json"


def _normal(url: str) -> str:
    return url.rstrip("/")


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def token_for(server: str) -> str | None:
    """The token to send to ``server``: ``RAYDECK_TOKEN``, else the stored one."""
    explicit = os.environ.get(TOKEN_ENV)
    if explicit:
        return explicit
    entry = (_load(config_path()).get("servers") or {}).get(_normal(server)) or {}
    token = entry.get("token")
    return token if isinstance(token, str) and token else None


def save_token(server: str, *, username: str, token: str) -> Path:
    path = config_path()
    data = _load(path)
    servers = data.setdefault("servers", {})
    servers[_normal(server)] = {"username": username, "token": token}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    temporary.replace(path)
    return path


def forget_token(server: str) -> None:
    path = config_path()
    data = _load(path)
    if (data.get("servers") or {}).pop(_normal(server), None) is not None:
        save_all(path, data)


def save_all(path: Path, data: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
