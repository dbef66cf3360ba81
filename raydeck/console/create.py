"""The create dialog: Form, YAML and Upload tabs over one document, kept in sync.

The dialog owns one document. The Form tab edits the fields it knows and
writes them into the document; the YAML tab shows the whole document and
checks what is typed as it changes, naming each problem by field and line;
an uploaded file lands in the YAML tab. "Create" saves a template, "Create and
start" deploys an instance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from raydeck.console.context import ConsoleSession
from raydeck.console.forms import (
    Form,
    ServeApp,
    WorkerGroup,
    apply_form,
    new_document,
    read_form,
)
from raydeck.console.widgets import error_lines, notify_error
from raydeck.errors import FieldError, InvalidInput, RaydeckError, Unauthorized
from raydeck.managers.warnings import collected
from raydeck.resources.codec import dump_yaml, line_of, load_documents
from raydeck.resources.kinds import Kind

FORM, YAML, UPLOAD = "Form", "YAML", "Upload"


async def open_create_dialog(
    session: ConsoleSession, kind: Kind, *, on_created: Callable[[], Awaitable[None]]
) -> None:
    CreateDialog(session, kind, on_created).open()


class CreateDialog:
    def __init__(
        self,
        session: ConsoleSession,
        kind: Kind,
        on_created: Callable[[], Awaitable[None]],
    ) -> None:
        self._session = session
        self._kind = kind
        self._on_created = on_created
        self._document = new_document(kind.name)
        self._form = read_form(self._document)
        self._tab = FORM
        with (
            ui.dialog().props("persistent") as self._dialog,
            ui.card().classes("w-[56rem] max-w-full"),
        ):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"Create {kind.name}").classes("text-xl font-medium")
                ui.button(icon="close", on_click=self._dialog.close).props("flat round")
            with ui.tabs(on_change=self._switched) as tabs:
                for name in (FORM, YAML, UPLOAD):
                    ui.tab(name)
            with ui.tab_panels(tabs, value=FORM).classes("w-full") as self._panels:
                with ui.tab_panel(FORM):
                    self._form_fields()
                with ui.tab_panel(YAML):
                    self._editor = (
                        ui.textarea(value=dump_yaml(self._document), on_change=self._typed)
                        .props("outlined autogrow spellcheck=false input-class=font-mono")
                        .classes("w-full font-mono text-sm")
                        .mark("yaml-editor")
                    )
                with ui.tab_panel(UPLOAD):
                    ui.label(f"Choose a YAML file with one {kind.name}.").classes("text-grey-7")
                    ui.upload(on_upload=self._uploaded, auto_upload=True, max_files=1).props(
                        "accept=.yaml,.yml,.json"
                    ).classes("w-full").mark("upload")
            self._tabs = tabs
            self._problems = ui.column().classes("w-full gap-1").mark("problems")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self._dialog.close).props("flat")
                ui.button("Create", on_click=lambda: self._submit(start=False)).props(
                    "outline"
                ).tooltip("Save as a template: nothing runs until you start an instance")
                ui.button("Create and start", on_click=lambda: self._submit(start=True))

    def open(self) -> None:
        self._dialog.open()

    # -- keeping the tabs in sync ---------------------------------------------------------

    def _switched(self, e: events.ValueChangeEventArguments[Any]) -> None:
        leaving, self._tab = self._tab, str(e.value)
        if leaving == FORM:
            self._document = apply_form(self._document, self._form)
        if self._tab == YAML:
            self._editor.value = dump_yaml(self._document)
        if self._tab == FORM:
            self._form = read_form(self._document)
            self._form_fields.refresh()

    def _typed(self, e: events.ValueChangeEventArguments[Any]) -> None:
        document, problems = self._check(str(e.value or ""))
        if document is not None:
            self._document = document
        self._show(problems)

    async def _uploaded(self, e: events.UploadEventArguments) -> None:
        text = (await e.file.read()).decode("utf-8", errors="replace")
        self._editor.value = text
        self._tabs.value = YAML

    def _check(self, text: str) -> tuple[dict[str, Any] | None, list[str]]:
        """The document in ``text`` if it is a valid object of this kind; else each problem,
        with its line where the field exists in the text."""
        try:
            documents = load_documents(text)
            if len(documents) != 1:
                raise InvalidInput(
                    "the YAML cannot be used",
                    [FieldError("", f"give exactly one {self._kind.name}, not {len(documents)}")],
                )
            # Judged as the server will judge it: after the CRD's defaults.
            self._kind.parse(self._kind.with_defaults(documents[0]))
        except InvalidInput as e:
            return None, [self._where(text, error) for error in e.errors] or [e.message]
        return documents[0], []

    def _where(self, text: str, error: FieldError) -> str:
        if not error.path or error.path.startswith("document"):
            return str(error)
        line = line_of(text, error.path)
        return f"line {line}: {error}" if line else str(error)

    def _show(self, problems: list[str]) -> None:
        self._problems.clear()
        with self._problems:
            for problem in problems:
                ui.label(problem).classes("text-negative text-sm font-mono")

    # -- submitting -----------------------------------------------------------------------

    async def _submit(self, *, start: bool) -> None:
        if self._tab == FORM:
            self._document = apply_form(self._document, self._form)
            text = dump_yaml(self._document)
        else:
            text = self._editor.value
        document, problems = self._check(text)
        if document is None:
            self._show(problems)
            return
        namespace = str((document.get("metadata") or {}).get("namespace") or "default")
        manager = self._session.manager(self._kind)
        try:
            with collected() as warnings:
                created = await manager.create(
                    await self._session.actor(), namespace, document, as_template=not start
                )
        except Unauthorized as e:
            notify_error(e)  # the session ended: to the login page
            return
        except RaydeckError as e:
            self._show(error_lines(e))
            return
        what = "started" if start else "saved as a template"
        ui.notify(f"{self._kind.name} {created.name} {what}", type="positive")
        await self._on_created()
        target = f"/{self._kind.plural}/{created.namespace}/{created.name}"
        if warnings:
            self._warn(warnings, target)  # stay: the user reads why it waits before going on
            return
        self._dialog.close()
        if start:
            ui.navigate.to(target)

    def _warn(self, warnings: list[str], target: str) -> None:
        """Show the admission warnings in the dialog, with a way on to the new object."""
        self._problems.clear()
        with self._problems:
            for text in warnings:
                with ui.row().classes("items-center gap-2 no-wrap").mark("create-warning"):
                    ui.icon("warning", color="warning")
                    ui.label(text).classes("text-sm")
            ui.button("Open it", on_click=lambda: ui.navigate.to(target)).props("flat").mark(
                "create-open"
            )

    # -- the form -------------------------------------------------------------------------

    @ui.refreshable_method
    def _form_fields(self) -> None:
        form = self._form
        with ui.row().classes("w-full gap-4"):
            ui.input("Name").bind_value(form, "name").props("dense outlined").mark("form-name")
            ui.input("Namespace").bind_value(form, "namespace").props("dense outlined")
            ui.input("Ray version").bind_value(form, "ray_version").props("dense outlined")
            ui.input("Image").bind_value(form, "image").props("dense outlined").classes("w-64")
        if form.kind == "RayJob":
            self._job_fields(form)
        if form.kind == "RayService":
            self._service_fields(form)
        ui.label("Head node").classes("text-md font-medium mt-2")
        with ui.row().classes("w-full gap-4"):
            ui.input("CPU").bind_value(form.head, "cpu").props("dense outlined").mark("head-cpu")
            ui.input("Memory").bind_value(form.head, "memory").props("dense outlined")
            _int_input("GPUs", form.head, "gpu")
            _params_input("rayStartParams", form, "head_params")
        ui.label("Worker groups").classes("text-md font-medium mt-2")
        for group in form.workers:
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
                ui.button(icon="remove", on_click=lambda g=group: self._remove_group(g)).props(
                    f'flat round dense aria-label="Remove worker group {group.name}"'
                ).tooltip("Remove this worker group")
        ui.button("Add worker group", icon="add", on_click=self._add_group).props("flat dense")

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
        change(self._form)
        self._form_fields.refresh()


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
