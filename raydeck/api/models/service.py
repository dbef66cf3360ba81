"""Bodies about raydeck itself: its liveness and its audit log (``routes/health.py``,
``routes/audit.py``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from raydeck.api.models.common import Wire


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"
    platform: str = Field(description="local or kubernetes")


class AuditEntry(Wire):
    id: int
    time: str
    user: str
    action: str = Field(description="login, create, update, delete, start, stop, ...")
    kind: str
    namespace: str
    name: str
    outcome: str = Field(description="success or failure")
    details: dict[str, JsonValue] = Field(description="What the action recorded about itself")


class AuditLog(BaseModel):
    items: list[AuditEntry]
