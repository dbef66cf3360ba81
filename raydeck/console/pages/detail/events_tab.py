"""The Events tab: what happened to the object, newest first, as Kubernetes events read.

Redrawn on each refresh of the page; the events come from the store (the local
platform's) or the API server (kubernetes), through the kind's manager.
"""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import facts_table
from raydeck.errors import RaydeckError


@dataclass(frozen=True)
class EventRow:
    id: int
    type: str
    reason: str
    message: str
    count: int
    last: str


class EventsTab:
    def __init__(self, subject: Subject) -> None:
        self._subject = subject

    @ui.refreshable_method
    async def show(self) -> None:
        subject = self._subject
        try:
            records = await subject.manager.events(*await subject.as_actor())
        except RaydeckError:
            return
        if not records:
            ui.label("No events yet.").classes("text-grey-7")
            return
        rows = [
            EventRow(
                id=index,
                type=r.type,
                reason=r.reason,
                message=r.message,
                count=r.count,
                last=r.last_timestamp,
            )
            for index, r in enumerate(reversed(records))
        ]
        facts_table(rows=rows, row_key="id", hidden=("id",)).mark("events")
