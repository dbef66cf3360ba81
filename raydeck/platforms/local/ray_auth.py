"""Ray's token authentication for local clusters: raydeck holds one token per cluster.

Ray (>= 2.52) refuses dashboard, Jobs API and GCS requests without the token when
its processes run with ``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN``. The
reconciler puts both into every node's environment; raydeck's own calls (the
node list, ``JobSubmissionClient``) send ``Authorization: Bearer``. Tokens are an
HMAC of the cluster's namespace and name under a key kept in the data directory
(mode 0600), so a restarted raydeck re-adopts its clusters with the same tokens
and one cluster's drivers never learn another cluster's token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "ray-auth.key"


class RayAuth:
    def __init__(self, data_dir: Path, *, enabled: bool) -> None:
        self._path = data_dir / KEY_FILE
        self.enabled = enabled
        self._key: bytes | None = None

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = _load_or_create(self._path)
        return self._key

    def token(self, namespace: str, cluster: str) -> str | None:
        if not self.enabled:
            return None
        message = f"{namespace}/{cluster}".encode()
        return hmac.new(self._secret(), message, hashlib.sha256).hexdigest()

    def headers(self, namespace: str, cluster: str) -> dict[str, str]:
        token = self.token(namespace, cluster)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def node_env(self, namespace: str, cluster: str) -> dict[str, str]:
        """What a node process of the cluster needs; ``disabled`` is explicit, so a stray
        ``~/.ray/auth_token`` never switches authentication on behind raydeck's back."""
        token = self.token(namespace, cluster)
        if token is None:
            return {"RAY_AUTH_MODE": "disabled"}
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}


def _load_or_create(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another start won the race: use its key
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key
