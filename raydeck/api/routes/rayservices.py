"""REST routes for RayServices: ``/api/v1/namespaces/{ns}/rayservices`` and ``/api/v1/rayservices``."""

from raydeck.api.routes.objects import object_router
from raydeck.resources.kinds import RAYSERVICE

router = object_router(RAYSERVICE)
