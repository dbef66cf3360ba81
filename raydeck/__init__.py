"""raydeck: a control plane and web console for Ray.

It manages KubeRay's ``ray.io/v1`` RayClusters, RayJobs and RayServices on the
local platform (real Ray processes on this machine) or on Kubernetes.
"""

__version__ = "0.1.0"
