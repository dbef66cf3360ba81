"""The kubernetes platform (KubeRay's CRDs through an API server); its own issue builds it.

The package exists now so the layering contracts in .importlinter cover it from the start.
"""
