"""Time as the controller and reconcilers see it: injectable so tests can control it.

``SystemClock`` is the real one. Reconcile decisions take ``now`` as an argument
(``platforms/local/plan.py``), so their tests need no clock at all.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def wall(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
