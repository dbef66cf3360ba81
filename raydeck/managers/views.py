"""The base of what managers answer with when the answer is not a stored record.

A view is a frozen pydantic model, camelCase on the wire, so the API can declare
it as a response model and the console can read its attributes; ``to_wire()`` is
the JSON the API sends. Views carry no behaviour and are built by the managers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class View(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_wire(self) -> dict[str, Any]:  # JSON out: the API's answer
        """The JSON shape: camelCase keys, the fields that were set (``None`` ones included)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
