"""The bodies of the REST API as pydantic models, so the OpenAPI document describes each one.

Routes under ``api/routes/`` declare these as request bodies and ``response_model``s. Routes
answering with raydeck's own small bodies (users, tokens, namespaces, quotas, audit) return
them for FastAPI to check against the model; routes answering with Kubernetes objects send the
JSON as it is (``api/responses.py``), and the kind's model in ``raydeck.resources`` documents it.
Nothing here reads a request or calls a manager.
"""
