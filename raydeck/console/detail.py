"""The detail page of one RayCluster, RayJob or RayService: details, YAML, logs, events.

Actions (start, stop, delete, save as template) sit in the header; one that
cannot be taken now is disabled with the reason as its tooltip. The details
and the status chip refresh themselves while the page is open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from raydeck.console.context import ConsoleSession
from raydeck.console.widgets import error_lines, facts_table, notify_error, status_color
from raydeck.errors import InvalidInput, NotFound, RaydeckError
from raydeck.managers.access import Principal
from raydeck.managers.warnings import collected
from raydeck.resources.codec import line_of, load_documents
from raydeck.resources.kinds import Kind
from raydeck.resources.summary import summarize
from raydeck.store.records import StoredObject

REFRESH_SECONDS = 3.0
LOG_LINES = 500


async def detail_page(session: ConsoleSession, kind: Kind, namespace: str, name: str) -> None:
    manager = session.manager(kind)
    try:
        obj = await manager.get(await session.actor(), namespace, name)
    except NotFound:
        ui.label(f"{kind.name} {namespace}/{name} does not exist (any more).").classes("text-lg")
        ui.link(f"Back to {kind.name}s", f"/{kind.plural}")
        return
    page = DetailPage(session, kind, obj)
    await page.build()


class DetailPage:
    def __init__(self, session: ConsoleSession, kind: Kind, obj: StoredObject) -> None:
        self._session = session
        self._kind = kind
        self._obj = obj
        self._manager = session.manager(kind)

    @property
    def _where(self) -> tuple[str, str]:
        return self._obj.namespace, self._obj.name

    async def _as_actor(self) -> tuple[Principal, str, str]:
        """The acting user and this object's namespace and name: what every manager call takes."""
        return (await self._session.actor(), *self._where)

    async def build(self) -> None:
        kind, obj = self._kind, self._obj
        with ui.row().classes("w-full items-center justify-between"):
            with ui.row().classes("items-center gap-3"):
                ui.link(f"{kind.name}s", f"/{kind.plural}").classes("text-grey-7")
                ui.label("/").classes("text-grey-5")
                ui.label(obj.name).classes("text-2xl font-medium").mark("detail-name")
                self._chip = ui.badge("").mark("status-chip")
            self._actions = ui.row().classes("items-center gap-2")
        self._build_actions()
        with ui.tabs() as tabs:
            for name in ("Details", "YAML", "Logs", "Events", "Health", "Monitoring"):
                ui.tab(name)
        # Health and Monitoring ask the cluster itself: only while their tab is open.
        self._tabs = tabs
        tabs.on_value_change(self._tab_opened)
        with ui.tab_panels(tabs, value="Details").classes("w-full"):
            with ui.tab_panel("Details"):
                await self._details()
            with ui.tab_panel("YAML"):
                await self._yaml_tab()
            with ui.tab_panel("Logs"):
                await self._logs_tab()
            with ui.tab_panel("Events"):
                await self._events()
            with ui.tab_panel("Health"):
                await self._health()
            with ui.tab_panel("Monitoring"):
                await self._monitoring_tab()
        await self.refresh()
        ui.timer(REFRESH_SECONDS, self.refresh)

    async def refresh(self) -> None:
        try:
            self._obj = await self._manager.get(*await self._as_actor())
        except NotFound:
            self._chip.set_text("deleted")
            return
        summary = summarize(self._obj.kind, self._obj.body, self._obj.status)
        state = "template" if self._obj.is_template else (summary.state or "pending")
        self._chip.set_text(state)
        self._chip.props(f"color={status_color(state)}")
        busy = _progress_text(self._kind.name, state, self._obj.status or {})
        self._progress_row.visible = busy is not None
        self._progress.set_text(busy or "")
        self._update_actions()
        self._details.refresh()
        self._events.refresh()

    # -- actions --------------------------------------------------------------------------

    def _build_actions(self) -> None:
        """The buttons, made once; ``_update_actions`` enables them as the object changes."""
        with self._actions:
            self._start = ui.button("Start", icon="play_arrow", on_click=lambda: self._act("start"))
            self._stop = ui.button("Stop", icon="stop", on_click=lambda: self._act("stop"))
            self._stop.props("outline")
            ui.button("Save as template", icon="content_copy", on_click=self._save_template).props(
                "outline"
            )
            self._delete_button = ui.button(
                "Delete", icon="delete", color="negative", on_click=self._delete
            )
            self._dashboard = ui.button(
                "Ray Dashboard", icon="open_in_new", on_click=self._open_dashboard
            ).props("outline")
            self._dashboard.mark("dashboard-link")
        self._why = ui.label("").classes("text-grey-7 text-sm w-full text-right").mark("why")
        with ui.row().classes("w-full items-center gap-3") as self._progress_row:
            ui.linear_progress(show_value=False).props("indeterminate").classes("w-64")
            self._progress = ui.label("").classes("text-grey-8 text-sm").mark("progress")
        self._progress_row.visible = False

    def _update_actions(self) -> None:
        obj, kind = self._obj, self._kind
        suspended = bool(obj.spec.get("suspend"))
        running = not obj.is_template and not suspended
        self._start.visible = self._stop.visible = not obj.is_template
        self._start.set_enabled(not (running and kind.stop_is_suspend))
        self._stop.set_enabled(not suspended)
        blocked = running and kind.stop_before_delete
        self._delete_button.set_enabled(not blocked)
        self._why.set_text(
            f"A running {kind.name} must be stopped before it is deleted." if blocked else ""
        )
        cluster = self._cluster_name()
        self._dashboard.set_enabled(running and cluster is not None)
        self._dashboard.tooltip(
            "The cluster's Ray Dashboard, through raydeck"
            if running and cluster
            else f"The {kind.name} runs no Ray cluster now"
        )

    def _cluster_name(self) -> str | None:
        """The RayCluster this object runs on: itself, a RayJob's, or a RayService's active one."""
        obj = self._obj
        if obj.is_template:
            return None
        status = obj.status or {}
        if self._kind.name == "RayCluster":
            return obj.name
        if self._kind.name == "RayJob":
            return status.get("rayClusterName") or None
        active = status.get("activeServiceStatus") or {}
        return active.get("rayClusterName") or None

    def _open_dashboard(self) -> None:
        cluster = self._cluster_name()
        if cluster:
            ui.navigate.to(f"/rayclusters/{self._obj.namespace}/{cluster}/dashboard/", new_tab=True)

    async def _act(self, action: str) -> None:
        try:
            with collected() as warnings:
                await getattr(self._manager, action)(*await self._as_actor())
        except RaydeckError as e:
            notify_error(e)
            return
        ui.notify(f"{action.capitalize()} requested", type="positive")
        for text in warnings:
            ui.notify(text, type="warning", multi_line=True, timeout=0, close_button=True)
        await self.refresh()

    async def _save_template(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label("Save as template").classes("text-lg font-medium")
            name = ui.input("Template name", value=f"{self._obj.name}-template").props("outlined")
            problems = ui.column()

            async def save() -> None:
                try:
                    await self._manager.save_as_template(
                        *await self._as_actor(), template_name=name.value
                    )
                except RaydeckError as e:
                    problems.clear()
                    with problems:
                        for line in error_lines(e):
                            ui.label(line).classes("text-negative text-sm")
                    return
                dialog.close()
                ui.notify(f"Saved template {name.value}", type="positive")

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Save", on_click=save)
        dialog.open()

    async def _delete(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(f"Delete {self._kind.name} {self._obj.name}?").classes("text-lg")

            async def delete() -> None:
                dialog.close()
                try:
                    await self._manager.delete(*await self._as_actor())
                except RaydeckError as e:
                    notify_error(e)
                    return
                ui.notify(f"Deleted {self._obj.name}", type="positive")
                ui.navigate.to(f"/{self._kind.plural}")

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Delete", color="negative", on_click=delete).mark("confirm-delete")
        dialog.open()

    # -- details --------------------------------------------------------------------------

    @ui.refreshable_method
    async def _details(self) -> None:
        obj = self._obj
        summary = summarize(obj.kind, obj.body, obj.status)
        status = obj.status or {}
        facts = {
            "Namespace": obj.namespace,
            "Type": obj.type,
            "Ray version": summary.ray_version or "-",
            "Creator": obj.creator or "-",
            "Created": obj.created_at,
            "Generation": str(obj.generation),
        }
        with ui.grid(columns=2).classes("gap-x-8 gap-y-1"):
            for label, value in facts.items():
                ui.label(label).classes("text-grey-7")
                ui.label(value)
        if status.get("message"):
            ui.label(str(status["message"])).classes("text-warning")
        conditions = status.get("conditions") or []
        if conditions:
            ui.label("Conditions").classes("text-md font-medium mt-2")
            facts_table(
                rows=[
                    {
                        "type": c.get("type"),
                        "status": c.get("status"),
                        "reason": c.get("reason", ""),
                        "message": c.get("message", ""),
                        "since": c.get("lastTransitionTime", ""),
                    }
                    for c in conditions
                ],
                row_key="type",
            )
        if obj.is_template:
            return
        await self._pods_and_endpoints()

    async def _pods_and_endpoints(self) -> None:
        try:
            pods = await self._manager.pods(*await self._as_actor())
            endpoints = await self._manager.endpoints(*await self._as_actor())
        except RaydeckError:
            return
        cluster = self._cluster_name()
        if cluster and "dashboard" in endpoints:
            # The dashboard itself wants the cluster's Ray token; raydeck's proxy adds it.
            endpoints["dashboard"] = f"/rayclusters/{self._obj.namespace}/{cluster}/dashboard/"
        if endpoints:
            ui.label("Endpoints").classes("text-md font-medium mt-2")
            for label, url in endpoints.items():
                with ui.row().classes("items-center gap-2"):
                    ui.label(label).classes("text-grey-7 w-24")
                    ui.link(url, url, new_tab=True)
        ui.label("Pods").classes("text-md font-medium mt-2")
        if not pods:
            ui.label("No pods run now.").classes("text-grey-7")
            return
        facts_table(
            rows=[
                {
                    "name": p.name,
                    "group": p.group,
                    "phase": p.phase,
                    "ready": "yes" if p.ready else "no",
                    "restarts": p.restarts,
                    "started": p.start_time or "-",
                }
                for p in pods
            ],
            row_key="name",
        )

    # -- YAML -----------------------------------------------------------------------------

    async def _yaml_tab(self) -> None:
        text = await self._manager.export_yaml(*await self._as_actor())
        editor = (
            ui.textarea(value=text)
            .props("outlined autogrow spellcheck=false input-class=font-mono")
            .classes("w-full font-mono text-sm")
            .mark("detail-yaml")
        )
        problems = ui.column().classes("gap-1")
        loaded = {"text": text}

        async def apply() -> None:
            problems.clear()
            try:
                documents = load_documents(editor.value)
                if len(documents) != 1:
                    raise InvalidInput("give exactly one object")
                document = documents[0]
                current = (await self._manager.get(*await self._as_actor())).to_wire()
                if _user_view(current) == _user_view(load_documents(loaded["text"])[0]):
                    # Only the status moved since the page loaded: nobody else edited it.
                    document.setdefault("metadata", {})["resourceVersion"] = current["metadata"][
                        "resourceVersion"
                    ]
                with collected() as warnings:
                    await self._manager.replace(*await self._as_actor(), document)
            except RaydeckError as e:
                with problems:
                    for line in _lines_with_numbers(editor.value, e):
                        ui.label(line).classes("text-negative text-sm font-mono")
                return
            ui.notify("Applied", type="positive")
            for text in warnings:
                ui.notify(text, type="warning", multi_line=True, timeout=0, close_button=True)
            editor.value = loaded["text"] = await self._manager.export_yaml(*await self._as_actor())
            await self.refresh()

        with ui.row().classes("gap-2"):
            ui.button("Apply", icon="check", on_click=apply)
            ui.button(
                "Download",
                icon="download",
                on_click=lambda: ui.download.content(
                    editor.value, f"{self._obj.name}.yaml", "application/yaml"
                ),
            ).props("outline")

    # -- logs -----------------------------------------------------------------------------

    async def _logs_tab(self) -> None:
        if self._obj.is_template:
            ui.label("Templates do not run, so they have no logs.").classes("text-grey-7")
            return
        try:
            pods = [p.name for p in await self._manager.pods(*await self._as_actor())]
        except RaydeckError:
            pods = []
        default = {"": "job driver" if self._kind.name == "RayJob" else "head (default)"}
        if self._kind.name == "RayService":
            default = {"": "Serve (controller, proxy, replicas)"}
        with ui.row().classes("items-center gap-4"):
            source = ui.select({**default, **{p: p for p in pods}}, value="", label="Source")
            source.props("dense outlined").classes("w-80")
            follow = ui.switch("Follow")
            download = ui.button("Download", icon="download").props("outline")
        view = ui.log(max_lines=5000).classes("w-full h-96 font-mono text-xs").mark("log-view")
        shown = {"text": ""}

        async def load() -> None:
            try:
                lines = await self._manager.logs(
                    *await self._as_actor(), pod=source.value or None, tail=LOG_LINES, follow=False
                )
                text = "".join([line async for line in lines])
            except RaydeckError as e:
                text = "\n".join(error_lines(e)) + "\n"
            if text != shown["text"]:
                view.clear()
                view.push(text.rstrip("\n"))
                shown["text"] = text

        source.on_value_change(load)
        download.on_click(
            lambda: ui.download.content(shown["text"], f"{self._obj.name}.log", "text/plain")
        )
        await load()
        ui.timer(2.0, lambda: load() if follow.value else None)

    # -- health and monitoring --------------------------------------------------------------

    async def _tab_opened(self) -> None:
        if self._tabs.value == "Health":
            self._health.refresh()
        elif self._tabs.value == "Monitoring":
            await self._draw_monitoring()

    @ui.refreshable_method
    async def _health(self) -> None:
        if self._tabs.value != "Health":
            return
        cluster = self._cluster_name()
        if cluster is None:
            ui.label(f"The {self._kind.name} runs no Ray cluster now.").classes("text-grey-7")
            return
        try:
            actor = await self._session.actor()
            actor.require_read(self._obj.namespace)
            health = await self._session.context.monitoring.health(self._obj.namespace, cluster)
            report = health.to_wire()
        except RaydeckError as e:
            ui.label("\n".join(error_lines(e))).classes("text-grey-7")
            return
        with ui.row().classes("items-center gap-2"):
            ui.label(f"Cluster {cluster}:").classes("text-md")
            ui.badge(report["level"]).props(f"color={_LEVEL_COLORS.get(report['level'], 'grey')}")
            ui.button(icon="refresh", on_click=self._health.refresh).props("flat round dense")
        facts_table(
            rows=[
                {"signal": s["name"], "level": s["level"], "message": s["message"]}
                for s in report["signals"]
            ],
            row_key="signal",
        ).mark("health")

    async def _monitoring_tab(self) -> None:
        window = ui.toggle({"10m": "10 min", "30m": "30 min", "1h": "1 h"}, value="10m")
        charts = {
            key: ui.echart(_node_chart(title, unit)).classes("w-full h-56")
            for key, title, unit in _NODE_CHARTS
        }
        note = ui.label("").classes("text-grey-7 text-sm")

        async def draw() -> None:
            if self._tabs.value != "Monitoring":
                return
            cluster = self._cluster_name()
            if cluster is None:
                note.set_text(f"The {self._kind.name} runs no Ray cluster now.")
                return
            try:
                actor = await self._session.actor()
                actor.require_read(self._obj.namespace)
                metrics = await self._session.context.monitoring.cluster_metrics(
                    self._obj.namespace, cluster, window.value
                )
                figures = metrics.to_wire()
            except RaydeckError as e:
                note.set_text("\n".join(error_lines(e)))
                return
            note.set_text(f"Cluster {cluster}, per node; figures from {figures['source']}.")
            for key, chart in charts.items():
                series = []
                times: list[str] = []
                for node in figures["nodes"]:
                    points = node["series"]
                    times = [datetime.fromtimestamp(p["t"]).strftime("%H:%M:%S") for p in points]
                    series.append(
                        {
                            "name": node["pod"],
                            "type": "line",
                            "symbolSize": 4,
                            "connectNulls": True,
                            "data": [_scaled(key, p.get(key)) for p in points],
                        }
                    )
                chart.options["xAxis"]["data"] = times
                chart.options["series"] = series
                chart.options["legend"]["data"] = [s["name"] for s in series]
                chart.update()

        self._draw_monitoring = draw
        window.on_value_change(draw)
        ui.timer(REFRESH_SECONDS * 2, draw)

    # -- events ---------------------------------------------------------------------------

    @ui.refreshable_method
    async def _events(self) -> None:
        try:
            records = await self._manager.events(*await self._as_actor())
        except RaydeckError:
            return
        if not records:
            ui.label("No events yet.").classes("text-grey-7")
            return
        rows: list[dict[str, Any]] = [
            {
                "id": index,
                "type": r.type,
                "reason": r.reason,
                "message": r.message,
                "count": r.count,
                "last": r.last_timestamp,
            }
            for index, r in enumerate(reversed(records))
        ]
        facts_table(rows=rows, row_key="id", hidden=("id",)).mark("events")


#: States in which work is under way, and how to say so.
_BUSY = {
    "pending": "Waiting to start",
    "queued": "Queued for admission",
    "new": "Waiting to start",
    "initializing": "Starting",
    "suspending": "Stopping: the last processes are ending",
    "upgrading": "Upgrading: a new cluster is being prepared; traffic stays on the old one",
    "running": "Running",
    "retrying": "Retrying after a failure",
    "waiting": "Waiting for you to submit the job and set spec.jobId (InteractiveMode)",
}


def _progress_text(kind: str, state: str, status: dict[str, Any]) -> str | None:
    """What is under way now, with the figures the status gives; ``None`` when nothing is."""
    text = _BUSY.get(state.lower())
    if text is None or (kind == "RayCluster" and state == "running"):
        return None
    if kind == "RayJob" and state.lower() == "running":
        return f"Job {status.get('jobId', '')} running on {status.get('rayClusterName', '-')}"
    desired = status.get("desiredWorkerReplicas")
    ready = status.get("readyWorkerReplicas")
    if kind == "RayCluster" and desired is not None:
        text += f": {ready or 0} of {desired} workers ready"
    reason = status.get("reason") or ""
    queued = status.get("message") or ""
    queue = status.get("queue") or (status.get("rayClusterStatus") or {}).get("queue") or {}
    if state.lower() == "queued" and queue:
        text += f" at position {queue.get('position')}: {queue.get('reason')}"
    elif state.lower() == "pending" and queued:
        text += f" ({queued})"
    elif reason:
        text += f" ({reason})"
    return text


_LEVEL_COLORS = {"ok": "positive", "warning": "warning", "critical": "negative"}
_NODE_CHARTS = (
    ("cpuBusyCores", "CPU busy (cores)", "cores"),
    ("memoryUsedBytes", "Memory used (GiB)", "GiB"),
    ("objectStoreUsedBytes", "Object store used (GiB)", "GiB"),
    ("tasksRunning", "Tasks running", "tasks"),
)


def _scaled(key: str, value: Any) -> Any:
    if value is None or not key.endswith("Bytes"):
        return value
    return round(value / 1024**3, 3)


def _node_chart(title: str, unit: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [], "bottom": 0},
        "grid": {"left": 48, "right": 16, "top": 40, "bottom": 64},
        "xAxis": {"type": "category", "data": []},
        "yAxis": {"type": "value", "name": unit, "min": 0},
        "series": [],
        "animation": False,
    }


def _lines_with_numbers(text: str, error: RaydeckError) -> list[str]:
    if isinstance(error, InvalidInput) and error.errors:
        found = []
        for e in error.errors:
            line = line_of(text, e.path) if e.path else None
            found.append(f"line {line}: {e}" if line else str(e))
        return found
    return error_lines(error)


def _user_view(document: dict[str, Any]) -> dict[str, Any]:
    """What a user edits: the document without status and server-set versions."""
    metadata = {
        k: v
        for k, v in (document.get("metadata") or {}).items()
        if k not in ("resourceVersion", "generation")
    }
    return {**{k: v for k, v in document.items() if k != "status"}, "metadata": metadata}
