"""Monitoring: metric sources (Ray's endpoints, Prometheus), overview math, health signals, /metrics.

It sits just above ``resources``: platforms hand it what runs (``targets``),
managers compose it with the store, the API exposes it. Nothing here imports
a platform, a manager or the API.
"""
