"""The first step every local reconciler takes: read the object, or clean up after it.

A reconcile pass starts the same way for each kind: the object is read from the
store; when it is gone, whatever it left running is removed; templates are never
run; and what an older object of the same name left behind (same name, other
uid) is removed before the current one is looked at. Each reconciler says what
"whatever it left" means through ``remove_leftovers``; this module holds the
order of those steps, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from raydeck.errors import NotFound
from raydeck.resources.meta import KubeModel
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

M = TypeVar("M", bound=KubeModel)

#: Removes what objects named ``key`` left behind, except what belongs to ``keep_uid``
#: (``None``: the object is gone, so everything goes).
RemoveLeftovers = Callable[[ObjectKey, "str | None"], Awaitable[None]]


@dataclass(frozen=True)
class Current(Generic[M]):
    """The object a pass works on: the stored record and its kind's typed model."""

    obj: StoredObject
    model: M


async def current(
    store: Store, key: ObjectKey, model: type[M], remove_leftovers: RemoveLeftovers
) -> Current[M] | None:
    """The object to reconcile, or ``None`` when there is nothing to run (gone, or a template).

    Leftovers are removed in both cases: all of them when the object is gone, those of older
    incarnations of the name when it exists.
    """
    try:
        obj = await store.get(key)
    except NotFound:
        await remove_leftovers(key, None)
        return None
    if obj.is_template:
        return None
    await remove_leftovers(key, obj.uid)
    return Current(obj, model.model_validate(obj.to_wire()))
