"""The kubernetes platform: KubeRay's CRDs through an API server (``platform.py``).

``client.py`` speaks REST and raydeck's errors, ``reflector.py`` lists and watches,
``mirror.py`` writes what they see into the store, ``convert.py`` and ``kueue.py`` read
Kubernetes JSON into raydeck's records, ``running.py`` reads pods, logs and URLs, and
``discovery.py`` finds which CRDs are served. Only this package imports kr8s.
"""
