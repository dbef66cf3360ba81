"""REST routes for RayClusters: ``/api/v1/namespaces/{ns}/rayclusters`` and ``/api/v1/rayclusters``."""

from raydeck.api.routes.objects import object_router
from raydeck.resources.kinds import RAYCLUSTER

router = object_router(RAYCLUSTER)
