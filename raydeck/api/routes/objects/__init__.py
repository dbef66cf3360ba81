"""The REST routes every kind shares, shaped like the Kubernetes API, built once per kind.

``routes/rayclusters.py``, ``rayjobs.py``, ``rayservices.py`` and ``configmaps.py`` call
``object_router``; it adds the reading and writing routes (``reads.py``, ``writes.py``) and,
for kinds that run, start/stop, pods, endpoints, logs and templates (``running.py``).
Handlers read the request, call the kind's manager and return what it gives; rules live in
the manager.
"""

from __future__ import annotations

from fastapi import APIRouter

from raydeck.api.models.common import ERRORS
from raydeck.api.routes.objects import reads, running, writes
from raydeck.resources.kinds import Kind


def object_router(kind: Kind) -> APIRouter:
    router = APIRouter(tags=[kind.plural], responses=ERRORS)
    reads.add_lists(router, kind)
    writes.add_writes(router, kind)
    writes.add_deletes(router, kind)
    reads.add_reads(router, kind)
    if kind.runnable:
        running.add_start_stop(router, kind)
        running.add_what_runs(router, kind)
        running.add_logs(router, kind)
        running.add_templates(router, kind)
    return router
