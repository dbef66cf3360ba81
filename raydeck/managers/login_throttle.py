"""Failed logins counted per (user name, client) pair and per client, with back-off.

``AuthManager.login`` asks ``check`` before it verifies a password and reports
``fail`` or ``succeed`` after. A pure decision on an injected clock, kept in
memory: nothing here knows users, passwords or HTTP.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from raydeck.errors import TooManyRequests


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Once a key has ``limit`` failures, each further attempt must wait 1, 2, 4, ... seconds
    after the last failure (at most ``window``); a key quiet for ``window`` is forgotten.
    Nothing is counted per user name alone, so failures from one client never lock that user
    out of another; the per-client key (``client_limit``) slows one client spraying names.
    """

    def __init__(
        self, *, limit: int, client_limit: int, window: float, clock: Callable[[], float]
    ) -> None:
        self._limits = {"pair": limit, "client": client_limit}
        self._window, self._clock = window, clock
        self._failures: dict[tuple[str, ...], _Failures] = {}

    def _keys(self, username: str, client: str) -> tuple[tuple[str, ...], ...]:
        return (("pair", username, client), ("client", client))

    def _current(self, key: tuple[str, ...]) -> _Failures | None:
        found = self._failures.get(key)
        if found is not None and self._clock() - found.last >= self._window:
            del self._failures[key]  # forget quiet keys: the table stays small
            return None
        return found

    def wait(self, key: tuple[str, ...]) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        found = self._current(key)
        excess = -1 if found is None else found.count - self._limits[key[0]]
        if found is None or excess < 0:
            return 0.0
        delay = min(2.0 ** min(excess, 30), self._window)
        return max(0.0, found.last + delay - self._clock())

    def check(self, username: str, client: str) -> None:
        wait = max(self.wait(key) for key in self._keys(username, client))
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyRequests(
                f"too many failed logins; try again in {seconds} seconds", retry_after=seconds
            )

    def fail(self, username: str, client: str) -> None:
        for key in self._keys(username, client):
            found = self._current(key) or _Failures(0, 0.0)
            self._failures[key] = _Failures(found.count + 1, self._clock())

    def succeed(self, username: str, client: str) -> None:
        self._failures.pop(self._keys(username, client)[0], None)
