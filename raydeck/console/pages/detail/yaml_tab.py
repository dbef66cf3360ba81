"""The YAML tab: the whole object as YAML, edited in place and applied, or downloaded.

Applying replaces the object through the manager with the resourceVersion the
page loaded, so a change someone else made meanwhile is refused, not overwritten;
only the status moving on is no conflict. Problems are shown at their line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import error_lines, notify_warnings, show_lines
from raydeck.errors import InvalidInput, RaydeckError
from raydeck.managers.warnings import collected
from raydeck.resources.codec import line_of, load_documents


async def yaml_tab(subject: Subject, *, on_applied: Callable[[], Awaitable[None]]) -> None:
    loaded = [await subject.manager.export_yaml(*await subject.as_actor())]  # as last loaded
    editor = (
        ui.textarea(value=loaded[0])
        .props("outlined autogrow spellcheck=false input-class=font-mono")
        .classes("w-full font-mono text-sm")
        .mark("detail-yaml")
    )
    problems = ui.column().classes("gap-1")

    async def apply() -> None:
        problems.clear()
        try:
            with collected() as warnings:
                await _replace(subject, editor.value, loaded[0])
        except RaydeckError as e:
            show_lines(problems, _lines_with_numbers(editor.value, e), mono=True)
            return
        ui.notify("Applied", type="positive")
        notify_warnings(warnings)
        editor.value = loaded[0] = await subject.manager.export_yaml(*await subject.as_actor())
        await on_applied()

    with ui.row().classes("gap-2"):
        ui.button("Apply", icon="check", on_click=apply)
        ui.button(
            "Download",
            icon="download",
            on_click=lambda: ui.download.content(
                editor.value, f"{subject.name}.yaml", "application/yaml"
            ),
        ).props("outline")


async def _replace(subject: Subject, text: str, loaded: str) -> None:
    documents = load_documents(text)
    if len(documents) != 1:
        raise InvalidInput("give exactly one object")
    document = documents[0]
    current = (await subject.manager.get(*await subject.as_actor())).to_wire()
    if _user_view(current) == _user_view(load_documents(loaded)[0]):
        # Only the status moved since the page loaded: nobody else edited it.
        version = current["metadata"]["resourceVersion"]
        document.setdefault("metadata", {})["resourceVersion"] = version
    await subject.manager.replace(*await subject.as_actor(), document)


def _lines_with_numbers(text: str, error: RaydeckError) -> list[str]:
    if isinstance(error, InvalidInput) and error.errors:
        found = []
        for e in error.errors:
            line = line_of(text, e.path) if e.path else None
            found.append(f"line {line}: {e}" if line else str(e))
        return found
    return error_lines(error)


# A document the user typed (or the object's YAML as loaded): raw, every field as written.
def _user_view(document: dict[str, Any]) -> dict[str, Any]:
    """What a user edits: the document without status and server-set versions."""
    metadata = {
        k: v
        for k, v in (document.get("metadata") or {}).items()
        if k not in ("resourceVersion", "generation")
    }
    return {**{k: v for k, v in document.items() if k != "status"}, "metadata": metadata}
