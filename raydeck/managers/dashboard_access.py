"""Capabilities for the Ray Dashboard proxy: a browser's unguessable path segment standing for
one signed-in user's access to one cluster's dashboard, so a sandboxed page needs no cookie.

A capability is ``<token id>.<expiry>.<r|w>.<mac>``: an HMAC, keyed by the stored hash of the
session or token it was issued for, over that id, namespace, cluster name and uid, expiry and
access. Nothing is kept per capability, so any replica checks it, and it dies with its token
(logout, password change, user deleted), with the cluster (a new uid) and at its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from raydeck.errors import Forbidden, NotFound
from raydeck.managers.access import Principal, parse_role
from raydeck.store import accounts
from raydeck.store.store import Store

Access = Literal["r", "w"]
#: Seconds a capability lasts (never longer than the session or token it came from).
LIFETIME_SECONDS = 3600
_LABEL = b"raydeck dashboard capability v1"
_REFUSED = (
    "the dashboard link is unknown, expired or revoked; open the dashboard from raydeck again"
)


@dataclass(frozen=True)
class Claim:
    """What a capability says: whose token, which cluster incarnation, until when, what access."""

    token_id: str
    namespace: str
    name: str
    uid: str
    expires: int
    access: Access


def seal(claim: Claim, key: str) -> str:
    """The capability for ``claim``, keyed by the issuing token's stored hash."""
    return f"{claim.token_id}.{claim.expires}.{claim.access}.{_mac(claim, key)}"


def parse(capability: str, namespace: str, name: str, uid: str) -> Claim | None:
    """The claim a capability makes about this cluster (None if it is malformed); whether it
    is genuine is ``genuine``'s question, once the key is known."""
    parts = capability.split(".")
    if len(parts) != 4 or not parts[1].isdigit() or parts[2] not in ("r", "w"):
        return None
    access: Access = "w" if parts[2] == "w" else "r"
    return Claim(parts[0], namespace, name, uid, int(parts[1]), access)


def genuine(capability: str, claim: Claim, key: str, now: float) -> bool:
    """The capability was sealed for exactly this claim with this key, and has not expired."""
    mac = capability.rsplit(".", 1)[-1]
    return now < claim.expires and hmac.compare_digest(mac, _mac(claim, key))


def _mac(claim: Claim, key: str) -> str:
    message = "\n".join(
        [claim.token_id, claim.namespace, claim.name, claim.uid, str(claim.expires), claim.access]
    )
    digest = hmac.new(_LABEL + key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class DashboardCapabilities:
    """Issues capabilities to signed-in principals and turns them back into principals."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store, self._clock = store, clock

    async def issue(self, principal: Principal, namespace: str, name: str, uid: str) -> str:
        principal.require_read(namespace)
        now = self._clock()
        found = await self._store.transact(accounts.live_token, principal.token_id, now)
        if found is None:
            raise Forbidden("only a signed-in user's session or token can open a dashboard")
        token, _user, key = found
        expires = int(now) + LIFETIME_SECONDS
        if token.expires_at is not None:
            expires = min(expires, int(token.expires_at))
        access: Access = "r" if principal.role == "viewer" else "w"
        return seal(Claim(token.id, namespace, name, uid, expires, access), key)

    async def principal(
        self, capability: str, namespace: str, name: str, uid: str, *, write: bool
    ) -> Principal:
        """The capability's user as they are now (role and grants re-read), or refused: a
        capability that is not genuine for this cluster is "not found", like the cluster."""
        now = self._clock()
        claim = parse(capability, namespace, name, uid)
        found = None
        if claim is not None:
            found = await self._store.transact(accounts.live_token, claim.token_id, now)
        if claim is None or found is None or not genuine(capability, claim, found[2], now):
            raise NotFound(_REFUSED)
        token, user = found[0], found[1]
        principal = Principal(
            user.username, parse_role(user.role), frozenset(user.namespaces), "token", token.id
        )
        principal.require_read(namespace)
        if write:
            principal.require_write(namespace)
            if claim.access != "w":
                raise Forbidden("this dashboard link was opened for reading only")
        return principal
