"""REST routes for RayJobs: ``/api/v1/namespaces/{ns}/rayjobs`` and ``/api/v1/rayjobs``."""

from raydeck.api.routes.objects import object_router
from raydeck.resources.kinds import RAYJOB

router = object_router(RAYJOB)
