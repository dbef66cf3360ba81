"""Metric sources, the overview across clusters and per-cluster health; its own issue builds it.

The package exists now so the layering contracts in .importlinter cover it from the start.
"""
