"""The Logs tab: the last lines of the job driver, the head, Serve, or a chosen pod.

Loaded once when the page opens and again every two seconds while "Follow" is on;
a template has no logs. The lines come through the kind's manager, never from Ray
directly.
"""

from __future__ import annotations

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import error_lines
from raydeck.errors import RaydeckError
from raydeck.resources import rayjob, rayservice

LOG_LINES = 500
FOLLOW_SECONDS = 2.0


async def logs_tab(subject: Subject) -> None:
    if subject.obj.is_template:
        ui.label("Templates do not run, so they have no logs.").classes("text-grey-7")
        return
    try:
        pods = [p.name for p in await subject.manager.pods(*await subject.as_actor())]
    except RaydeckError:
        pods = []
    with ui.row().classes("items-center gap-4"):
        choices = {**_default_source(subject), **{p: p for p in pods}}
        source = ui.select(choices, value="", label="Source")
        source.props("dense outlined").classes("w-80")
        follow = ui.switch("Follow")
        download = ui.button("Download", icon="download").props("outline")
    view = ui.log(max_lines=5000).classes("w-full h-96 font-mono text-xs").mark("log-view")
    shown = [""]  # the text on view now

    async def load() -> None:
        try:
            lines = await subject.manager.logs(
                *await subject.as_actor(), pod=source.value or None, tail=LOG_LINES, follow=False
            )
            text = "".join([line async for line in lines])
        except RaydeckError as e:
            text = "\n".join(error_lines(e)) + "\n"
        if text != shown[0]:
            view.clear()
            view.push(text.rstrip("\n"))
            shown[0] = text

    source.on_value_change(load)
    download.on_click(lambda: ui.download.content(shown[0], f"{subject.name}.log", "text/plain"))
    await load()
    ui.timer(FOLLOW_SECONDS, lambda: load() if follow.value else None)


def _default_source(subject: Subject) -> dict[str, str]:
    """The choice without a pod: what the kind's logs are by default."""
    if subject.obj.kind == rayjob.KIND:
        return {"": "job driver"}
    if subject.obj.kind == rayservice.KIND:
        return {"": "Serve (controller, proxy, replicas)"}
    return {"": "head (default)"}
