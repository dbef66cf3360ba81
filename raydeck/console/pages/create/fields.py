"""The create dialog's Form tab: inputs bound to a ``Form``, redrawn when groups or apps change.

The inputs edit the ``Form`` in place; the dialog writes it into its document when
the user leaves the tab or submits. Fields a kind does not have are not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from raydeck.console.pages.create.form import Form, ServeApp, WorkerGroup
from raydeck.resources import rayjob, rayservice


class FormFields:
    def __init__(self, form: Form) -> None:
        self.form = form

    @ui.refreshable_method
    def show(self) -> None:
        form = self.form
        with ui.row().classes("w-full gap-4"):
            ui.input("Name").bind_value(form, "name").props("dense outlined").mark("form-name")
            ui.input("Namespace").bind_value(form, "namespace").props("dense outlined")
            ui.input("Ray version").bind_value(form, "ray_version").props("dense outlined")
            ui.input("Image").bind_value(form, "image").props("dense outlined").classes("w-64")
        if form.kind == rayjob.KIND:
            self._job_fields(form)
        if form.kind == rayservice.KIND:
            self._service_fields(form)
        ui.label("Head node").classes("text-md font-medium mt-2")
        with ui.row().classes("w-full gap-4"):
            ui.input("CPU").bind_value(form.head, "cpu").props("dense outlined").mark("head-cpu")
            ui.input("Memory").bind_value(form.head, "memory").props("dense outlined")
            _int_input("GPUs", form.head, "gpu")
            _params_input("rayStartParams", form, "head_params")
        ui.label("Worker groups").classes("text-md font-medium mt-2")
        for group in form.workers:
            self._group_fields(group)
        ui.button("Add worker group", icon="add", on_click=self._add_group).props("flat dense")

    def _group_fields(self, group: WorkerGroup) -> None:
        with ui.row().classes("w-full items-center gap-2"):
            ui.input("Group").bind_value(group, "name").props("dense outlined").classes("w-32")
            _int_input("Replicas", group, "replicas")
            _int_input("Min", group, "min_replicas")
            _int_input("Max", group, "max_replicas")
            ui.input("CPU").bind_value(group.resources, "cpu").props("dense outlined").classes(
                "w-20"
            )
            ui.input("Memory").bind_value(group.resources, "memory").props(
                "dense outlined"
            ).classes("w-24")
            _int_input("GPUs", group.resources, "gpu")
            ui.button(icon="remove", on_click=lambda: self._remove_group(group)).props(
                f'flat round dense aria-label="Remove worker group {group.name}"'
            ).tooltip("Remove this worker group")

    def _job_fields(self, form: Form) -> None:
        ui.input("Entrypoint").bind_value(form, "entrypoint").props("dense outlined").classes(
            "w-full font-mono"
        ).mark("form-entrypoint")
        ui.textarea("Runtime env (YAML)").bind_value(form, "runtime_env_yaml").props(
            "dense outlined autogrow"
        ).classes("w-full font-mono")
        with ui.row().classes("items-center gap-4"):
            ui.switch("Delete the cluster when the job ends").bind_value(
                form, "shutdown_after_job_finishes"
            )
            _int_input("TTL after finish (s)", form, "ttl_seconds_after_finished")
            _int_input("Deadline (s, 0: none)", form, "active_deadline_seconds")
            _int_input("Retries", form, "backoff_limit")

    def _service_fields(self, form: Form) -> None:
        ui.label("Serve applications").classes("text-md font-medium mt-2")
        for app in form.apps:
            with ui.row().classes("w-full items-center gap-2"):
                ui.input("Name").bind_value(app, "name").props("dense outlined").classes("w-32")
                ui.input("Route prefix").bind_value(app, "route_prefix").props("dense outlined")
                ui.input("Import path").bind_value(app, "import_path").props(
                    "dense outlined"
                ).classes("w-64 font-mono")
                ui.button(icon="remove", on_click=lambda a=app: self._remove_app(a)).props(
                    f'flat round dense aria-label="Remove application {app.name}"'
                ).tooltip("Remove this application")
        ui.button(
            "Add application",
            icon="add",
            on_click=lambda: self._change(
                lambda f: f.apps.append(ServeApp(import_path="module:app"))
            ),
        ).props("flat dense")

    def _add_group(self) -> None:
        self._change(lambda f: f.workers.append(WorkerGroup(name=f"group{len(f.workers) + 1}")))

    def _remove_group(self, group: WorkerGroup) -> None:
        self._change(lambda f: f.workers.remove(group))

    def _remove_app(self, app: ServeApp) -> None:
        self._change(lambda f: f.apps.remove(app))

    def _change(self, change: Callable[[Form], None]) -> None:
        change(self.form)
        self.show.refresh()


def _int_input(label: str, target: Any, attribute: str) -> None:
    ui.number(label, min=0, step=1, format="%d").bind_value(
        target,
        attribute,
        forward=lambda v: int(v) if v is not None else 0,
        backward=lambda v: v or 0,
    ).props("dense outlined").classes("w-24")


def _params_input(label: str, target: Form, attribute: str) -> None:
    """``key=value`` pairs separated by commas, as rayStartParams."""

    def parse(text: str | None) -> dict[str, str]:
        pairs = [p.split("=", 1) for p in (text or "").split(",") if "=" in p]
        return {k.strip(): v.strip() for k, v in pairs if k.strip()}

    ui.input(label, placeholder="num-cpus=4, object-store-memory=100000000").bind_value(
        target,
        attribute,
        forward=parse,
        backward=lambda d: ", ".join(f"{k}={v}" for k, v in (d or {}).items()),
    ).props("dense outlined").classes("w-72")
