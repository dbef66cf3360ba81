"""REST routes for ConfigMaps: ``/api/v1/namespaces/{ns}/configmaps`` (data only, nothing runs)."""

from raydeck.api.routes.objects import object_router
from raydeck.resources.kinds import CONFIGMAP

router = object_router(CONFIGMAP)
