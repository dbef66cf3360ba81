"""Keeps a local copy of one resource type in step with the API server: paged list, then watch.

The kubernetes platform runs one reflector per type (namespaces, RayClusters,
RayJobs, RayServices, ConfigMaps, events) and hands every change to a sink
that writes the store. Lists page with ``limit``/``continue``; a watch resumes
from the last resourceVersion it saw and lists again when the server says that
version is gone (410). It does not interpret the objects it carries.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from raydeck.errors import BadRequest, RaydeckError
from raydeck.platforms.kubernetes.client import KubeClient, Query
from raydeck.platforms.kubernetes.convert import ApiType

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Where a reflector hands the objects, as the API server's JSON: it interprets none."""

    async def replace_all(self, items: list[dict[str, Any]]) -> None:
        """Everything of the type after a full list: add, update, and forget what is gone."""

    async def apply(self, event_type: str, item: dict[str, Any]) -> None:
        """One watch event: ADDED, MODIFIED or DELETED."""


@dataclass
class FunctionSink:
    """A ``Sink`` of two callbacks, each taking the objects' Kubernetes JSON."""

    replace_all_fn: Callable[[list[dict[str, Any]]], Awaitable[None]]
    apply_fn: Callable[[str, dict[str, Any]], Awaitable[None]]

    async def replace_all(self, items: list[dict[str, Any]]) -> None:  # the listed objects
        await self.replace_all_fn(items)

    async def apply(self, event_type: str, item: dict[str, Any]) -> None:  # a watched object
        await self.apply_fn(event_type, item)


class WatchExpired(Exception):
    """The API server no longer has the history the watch asked for (410 Gone)."""


class Reflector:
    def __init__(
        self,
        client: KubeClient,
        api: ApiType,
        sink: Sink,
        *,
        page_size: int,
        watch_timeout: int,
        retry_delay: float = 1.0,
    ) -> None:
        self._client = client
        self._api = api
        self._sink = sink
        self._page_size = page_size
        self._watch_timeout = watch_timeout
        self._retry_delay = retry_delay

    async def list_all(self) -> tuple[list[dict[str, Any]], str]:
        """Every object of the type in every namespace, page by page, and the list's version."""
        items: list[dict[str, Any]] = []  # as the API server lists them: Kubernetes JSON
        token: str | None = None
        while True:
            page = await self._client.request(
                "GET",
                self._api,
                url=self._api.plural,
                params={"limit": self._page_size, "continue": token},
            )
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue") or None
            if not token:
                return items, str((page.get("metadata") or {}).get("resourceVersion") or "")

    async def sync(self) -> str:
        """List everything into the sink now; the version to watch from."""
        items, version = await self.list_all()
        await self._sink.replace_all(items)
        return version

    async def run(self, version: str | None = None) -> None:
        """Watch from ``version`` (listing first if None); forever, until cancelled."""
        while True:
            try:
                if version is None:
                    version = await self.sync()
                version = await self._watch(version)
            except asyncio.CancelledError:
                raise
            except WatchExpired:
                log.info("watch of %s expired; listing again", self._api.plural)
                version = None
            except RaydeckError as e:
                log.warning("watching %s failed: %s; retrying", self._api.plural, e.message)
                version = None
                await asyncio.sleep(self._retry_delay)

    async def _watch(self, version: str) -> str:
        """Apply watch events from ``version`` until the server closes; returns the last version."""
        params: Query = {
            "watch": "true",
            "resourceVersion": version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": self._watch_timeout,
        }
        try:
            async for line in self._client.lines(self._api, url=self._api.plural, params=params):
                if not line.strip():
                    continue
                event = json.loads(line)
                version = await self._handle(event, version)
        except BadRequest as e:
            if "too old" in e.message or "Gone" in e.message:
                raise WatchExpired from e
            raise
        return version

    async def _handle(self, event: dict[str, Any], version: str) -> str:
        """One line of the watch (a Kubernetes WatchEvent, JSON); the version it brings."""
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise WatchExpired
            raise BadRequest(str(obj.get("message") or "watch error"))
        new_version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            await self._sink.apply(str(kind), obj)
        return new_version
