"""The local platform's RayService: clusters, Serve applications and a stable endpoint.

``reconciler.py`` observes a RayService's clusters and what Serve runs on them,
asks ``plan.py`` (pure: observation + clock -> actions and status) what to do,
acts and writes the status once. ``serve_api.py`` speaks Serve's REST API and
``endpoint.py`` is the per-RayService listener that forwards to the active cluster.
"""
