"""Bodies of the monitoring routes (``routes/monitoring.py``): the overview is
``raydeck.monitoring``'s own model; a cluster's metrics and health are composed by the
monitoring manager from the node points and signals defined there."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from raydeck.api.models.common import Wire
from raydeck.monitoring.bodies import NodePoint, SignalBody


class ClusterLinks(BaseModel):
    dashboard: str = Field(description="The proxied Ray Dashboard")
    metrics: str
    health: str


class NodeMetrics(Wire):
    pod: str
    group: str
    node_type: str
    running: bool
    series: list[NodePoint]


class ClusterMetrics(Wire):
    namespace: str
    name: str
    range: str
    source: str
    links: ClusterLinks
    nodes: list[NodeMetrics]


class ClusterHealth(Wire):
    namespace: str
    name: str
    level: Literal["ok", "warning", "critical"] = Field(description="The worst signal's level")
    signals: list[SignalBody]
    links: ClusterLinks
    checked_at: float = Field(description="Epoch seconds")
