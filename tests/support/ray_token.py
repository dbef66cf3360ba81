"""The Ray token a local cluster's node runs with, read from the node process's environment.

raydeck never hands the token out over its API; tests that talk to Ray directly
take it where Ray itself does.
"""

from __future__ import annotations

from pathlib import Path


def node_environ(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (e.decode(errors="replace").split("=", 1) for e in entries if b"=" in e)
    return {k: v for k, v in pairs}


def ray_headers(pid: int) -> dict[str, str]:
    """``Authorization: Bearer <token>`` for the cluster whose node has that pid."""
    return {"Authorization": f"Bearer {node_environ(pid)['RAY_AUTH_TOKEN']}"}
