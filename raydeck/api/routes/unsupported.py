"""Documents of kinds raydeck does not take: a 422 naming the kind and where it can go.

``raydeck apply -f`` posts every document of a file; one of a kind raydeck has no route for
(a Deployment, a Service) arrives here, included after every kind's router, and is answered
with why, never stored. Any other unknown path stays the app's 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from raydeck.api.body import read_object
from raydeck.api.deps import ContextDep
from raydeck.errors import FieldError, InvalidInput, NotFound
from raydeck.resources.kinds import KINDS, refusal

router = APIRouter(tags=["unsupported kinds"])


@router.post(
    "/api/v1/namespaces/{namespace}/{plural}",
    status_code=422,
    # Not an operation of the API: the answer to every plural it does not have. It never
    # succeeds, so the document (where each operation says what it answers) leaves it out.
    include_in_schema=False,
    summary="Refuse a document of a kind raydeck does not take, saying why (always 422)",
)
async def refuse(
    request: Request,
    context: ContextDep,
    namespace: Annotated[str, Field(min_length=1, max_length=63)],
    plural: str,
) -> None:
    body = await read_object(request)
    kind, version = str(body.get("kind") or ""), str(body.get("apiVersion") or "")
    if any(k.name == kind for k in KINDS):
        raise NotFound(f"no API route for {plural!r}; {kind} objects are posted to their own")
    raise InvalidInput(
        "the document cannot be applied",
        [FieldError("kind", refusal(kind, version, platform=context.platform.name))],
    )
