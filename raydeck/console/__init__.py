"""The web console (NiceGUI pages mounted on the API app); its own issue builds it.

The package exists now so the layering contracts in .importlinter cover it from the start.
"""
