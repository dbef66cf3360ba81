"""The detail page's actions: start, stop, save as template, delete, and the Ray Dashboard.

The buttons are made once and updated on every refresh from ``resources.actions``:
one that is refused, or would change nothing, is disabled with the reason as its
tooltip, and the delete refusal is also written under the buttons. The managers
refuse the same actions again when asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import error_lines, notify_error, notify_warnings, show_lines, tooltip
from raydeck.errors import RaydeckError
from raydeck.managers.monitoring import dashboard_path
from raydeck.managers.warnings import collected
from raydeck.resources.actions import Action, Verdict

#: What an enabled button's tooltip says.
_DOES = {
    Action.START: "Start the {kind}",
    Action.STOP: "Stop the {kind}",
    Action.DELETE: "Delete the {kind}",
}


class ActionBar:
    def __init__(self, subject: Subject, *, on_change: Callable[[], Awaitable[None]]) -> None:
        self._subject = subject
        self._on_change = on_change
        self._buttons: dict[Action, tuple[ui.button, ui.tooltip]] = {}

    def build(self) -> None:
        """The buttons, made once; ``update`` enables them as the object changes."""
        self._add(Action.START, ui.button("Start", icon="play_arrow"))
        self._add(Action.STOP, ui.button("Stop", icon="stop").props("outline"))
        ui.button("Save as template", icon="content_copy", on_click=self._save_template).props(
            "outline"
        )
        self._add(Action.DELETE, ui.button("Delete", icon="delete", color="negative"))
        self._dashboard = ui.button(
            "Ray Dashboard", icon="open_in_new", on_click=self._open_dashboard
        ).props("outline")
        self._dashboard.mark("dashboard-link")
        self._dashboard_tip = tooltip(self._dashboard)

    def build_why(self) -> None:
        """The line that says why the object cannot be deleted now (empty when it can)."""
        self._why = ui.label("").classes("text-grey-7 text-sm w-full text-right").mark("why")

    def _add(self, action: Action, button: ui.button) -> None:
        button.on_click(lambda: self._clicked(action))
        self._buttons[action] = (button, tooltip(button))

    def update(self) -> None:
        subject = self._subject
        actions = subject.actions()
        for action, (button, tip) in self._buttons.items():
            button.visible = not (subject.obj.is_template and action is not Action.DELETE)
            self._show(button, tip, action, actions[action])
        self._why.set_text(self._sentence(actions.refusal(Action.DELETE)))
        state = subject.state()
        running = not state.template and not state.suspended and subject.cluster_name() is not None
        self._dashboard.set_enabled(running)
        self._dashboard_tip.set_text(
            "The cluster's Ray Dashboard, through raydeck" if running else subject.runs_no_cluster()
        )

    def _show(self, button: ui.button, tip: ui.tooltip, action: Action, verdict: Verdict) -> None:
        button.set_enabled(verdict.available)
        if verdict.available:
            tip.set_text(_DOES[action].format(kind=self._subject.kind.name))
        else:
            tip.set_text(self._sentence(verdict.reason))

    def _sentence(self, reason: str | None) -> str:
        """A reason as a sentence about this object, or nothing without one."""
        return f"This {self._subject.kind.name} {reason}." if reason else ""

    async def _clicked(self, action: Action) -> None:
        if action is Action.DELETE:
            self._confirm_delete()
        else:
            await self._act(action)

    async def _act(self, action: Action) -> None:
        subject = self._subject
        act = subject.manager.start if action is Action.START else subject.manager.stop
        try:
            with collected() as warnings:
                await act(*await subject.as_actor())
        except RaydeckError as e:
            notify_error(e)
            return
        ui.notify(f"{action.capitalize()} requested", type="positive")
        notify_warnings(warnings)
        await self._on_change()

    def _open_dashboard(self) -> None:
        cluster = self._subject.cluster_name()
        if cluster:
            ui.navigate.to(dashboard_path(self._subject.namespace, cluster), new_tab=True)

    async def _save_template(self) -> None:
        subject = self._subject
        with ui.dialog() as dialog, ui.card():
            ui.label("Save as template").classes("text-lg font-medium")
            name = ui.input("Template name", value=f"{subject.name}-template").props("outlined")
            problems = ui.column()

            async def save() -> None:
                try:
                    await subject.manager.save_as_template(
                        *await subject.as_actor(), template_name=name.value
                    )
                except RaydeckError as e:
                    show_lines(problems, error_lines(e))
                    return
                dialog.close()
                ui.notify(f"Saved template {name.value}", type="positive")

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Save", on_click=save)
        dialog.open()

    def _confirm_delete(self) -> None:
        subject = self._subject
        with ui.dialog() as dialog, ui.card():
            ui.label(f"Delete {subject.kind.name} {subject.name}?").classes("text-lg")

            async def delete() -> None:
                dialog.close()
                try:
                    await subject.manager.delete(*await subject.as_actor())
                except RaydeckError as e:
                    notify_error(e)
                    return
                ui.notify(f"Deleted {subject.name}", type="positive")
                ui.navigate.to(f"/{subject.kind.plural}")

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Delete", color="negative", on_click=delete).mark("confirm-delete")
        dialog.open()
