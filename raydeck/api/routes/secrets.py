"""REST routes for Secrets: ``/api/v1/namespaces/{ns}/secrets`` (data only, nothing runs).

Who may read a Secret's data is the manager's rule (``Kind.secret_data``), not the route's.
"""

from raydeck.api.routes.objects import object_router
from raydeck.resources.kinds import SECRET

router = object_router(SECRET)
