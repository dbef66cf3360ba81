"""The create dialog, opened from a list page: Form, YAML and Upload tabs over one document.

The dialog owns one document. The Form tab (``fields.py``) edits the fields it
knows and writes them into the document (``form.py``); the YAML tab shows the
whole document and checks what is typed as it changes, naming each problem by
field and line; an uploaded file lands in the YAML tab. "Create" saves a
template, "Create and start" deploys an instance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from raydeck.console.pages.create.fields import FormFields
from raydeck.console.pages.create.form import apply_form, new_document, read_form
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import error_lines, notify_error, show_lines
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
        # The YAML the user types or uploads: raw, so every field stays as written.
        self._document = new_document(kind.name)
        self._fields = FormFields(read_form(self._document))
        self._tab = FORM
        with (
            ui.dialog().props("persistent") as self._dialog,
            ui.card().classes("w-[56rem] max-w-full"),
        ):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"Create {kind.name}").classes("text-xl font-medium")
                ui.button(icon="close", on_click=self._dialog.close).props("flat round")
            self._tabs = self._tab_panels()
            self._problems = ui.column().classes("w-full gap-1").mark("problems")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self._dialog.close).props("flat")
                ui.button("Create", on_click=lambda: self._submit(start=False)).props(
                    "outline"
                ).tooltip("Save as a template: nothing runs until you start an instance")
                ui.button("Create and start", on_click=lambda: self._submit(start=True))

    def open(self) -> None:
        self._dialog.open()

    def _tab_panels(self) -> ui.tabs:
        with ui.tabs(on_change=self._switched) as tabs:
            for name in (FORM, YAML, UPLOAD):
                ui.tab(name)
        with ui.tab_panels(tabs, value=FORM).classes("w-full"):
            with ui.tab_panel(FORM):
                self._fields.show()
            with ui.tab_panel(YAML):
                self._editor = (
                    ui.textarea(value=dump_yaml(self._document), on_change=self._typed)
                    .props("outlined autogrow spellcheck=false input-class=font-mono")
                    .classes("w-full font-mono text-sm")
                    .mark("yaml-editor")
                )
            with ui.tab_panel(UPLOAD):
                ui.label(f"Choose a YAML file with one {self._kind.name}.").classes("text-grey-7")
                ui.upload(on_upload=self._uploaded, auto_upload=True, max_files=1).props(
                    "accept=.yaml,.yml,.json"
                ).classes("w-full").mark("upload")
        return tabs

    # -- keeping the tabs in sync ---------------------------------------------------------

    def _switched(self, e: events.ValueChangeEventArguments[Any]) -> None:
        leaving, self._tab = self._tab, str(e.value)
        if leaving == FORM:
            self._document = apply_form(self._document, self._fields.form)
        if self._tab == YAML:
            self._editor.value = dump_yaml(self._document)
        if self._tab == FORM:
            self._fields.form = read_form(self._document)
            self._fields.show.refresh()

    def _typed(self, e: events.ValueChangeEventArguments[Any]) -> None:
        document, problems = self._check(str(e.value or ""))
        if document is not None:
            self._document = document
        self._show(problems)

    async def _uploaded(self, e: events.UploadEventArguments) -> None:
        text = (await e.file.read()).decode("utf-8", errors="replace")
        self._editor.value = text
        self._tabs.value = YAML

    # The document is the user's raw YAML (see ``__init__``).
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
        show_lines(self._problems, problems, mono=True)

    # -- submitting -----------------------------------------------------------------------

    async def _submit(self, *, start: bool) -> None:
        if self._tab == FORM:
            self._document = apply_form(self._document, self._fields.form)
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
