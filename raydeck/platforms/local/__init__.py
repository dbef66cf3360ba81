"""The local platform: RayClusters as Ray processes on this machine."""
