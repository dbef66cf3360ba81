"""Validation of the kinds raydeck stores, one module per kind, mirroring KubeRay's rules.

``common`` holds what every kind shares (type meta, names, labels, pydantic errors as JSON
paths, the ``parse_object`` steps); ``raycluster``, ``rayjob``, ``rayservice`` and
``configmap`` each give one ``parse_<kind>`` that managers call (through ``kinds.Kind.parse``)
before anything is stored. No module here does I/O or knows a platform.
"""
