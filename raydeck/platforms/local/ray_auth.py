"""Ray's token authentication for local clusters: a random token per cluster incarnation.

Ray (>= 2.52) refuses dashboard, Jobs API and GCS requests without the token when
its processes run with ``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN``. The
reconciler puts both into every node's environment; raydeck's own calls (the
node list, ``JobSubmissionClient``) send ``Authorization: Bearer``. Each token is
random, made the first time a cluster (by uid) needs one and kept only in raydeck's
store, so nothing shared derives it, a re-created cluster gets a new one, and a
restarted raydeck re-adopts its clusters with the tokens they run with.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
from pathlib import Path

from raydeck.errors import NotFound
from raydeck.resources import raycluster as rc
from raydeck.store.records import ObjectKey, PodRecord
from raydeck.store.store import Store

log = logging.getLogger(__name__)
#: The shared key earlier raydeck versions derived every token from; see ``retire_legacy_key``.
LEGACY_KEY_FILE = "ray-auth.key"


def new_token() -> str:
    return secrets.token_hex(32)


class RayAuth:
    def __init__(self, store: Store, *, enabled: bool) -> None:
        self._store = store
        self.enabled = enabled
        self._cache: dict[str, str] = {}

    async def token(self, cluster_uid: str) -> str | None:
        if not self.enabled:
            return None
        if cluster_uid not in self._cache:
            self._cache[cluster_uid] = await self._store.ray_token(cluster_uid, new=new_token)
        return self._cache[cluster_uid]

    async def headers(self, cluster_uid: str) -> dict[str, str]:
        token = await self.token(cluster_uid)
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def headers_by_name(self, namespace: str, cluster: str) -> dict[str, str]:
        """Headers for the RayCluster now named ``namespace/cluster``; none if it is gone."""
        try:
            obj = await self._store.get(ObjectKey(rc.KIND, namespace, cluster))
        except NotFound:
            return {}
        return await self.headers(obj.uid)

    async def node_env(self, cluster_uid: str) -> dict[str, str]:
        """What a node process of the cluster needs; ``disabled`` is explicit, so a stray
        ``~/.ray/auth_token`` never switches authentication on behind raydeck's back."""
        token = await self.token(cluster_uid)
        if token is None:
            return {"RAY_AUTH_MODE": "disabled"}
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}

    async def retire_legacy_key(self, data_dir: Path, pods: list[PodRecord]) -> None:
        """Earlier versions computed every token from one key in the data directory. Clusters
        still running from then keep their token (stored now, until they are re-created);
        then the key is deleted, so no new token can ever be derived from it."""
        path = data_dir / LEGACY_KEY_FILE
        try:
            key = bytes.fromhex(path.read_text().strip())
        except (OSError, ValueError):
            return
        for pod in pods:
            message = f"{pod.namespace}/{pod.cluster}".encode()
            legacy = hmac.new(key, message, hashlib.sha256).hexdigest()
            await self._store.ray_token(pod.owner_uid, new=functools.partial(str, legacy))
        path.unlink(missing_ok=True)
        log.info("removed the shared Ray auth key %s; new clusters get random tokens", path)
