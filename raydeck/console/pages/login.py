"""The login page: shown in place of any page while the browser has no valid session.

The form posts to ``/api/v1/session`` from the browser, so the session cookie
(HttpOnly) is set by the API; the console only ever reads it. Once logged in,
the browser goes on to the page it asked for, and only ever to a path on this site.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nicegui import ui

from raydeck.console.widgets import PRIMARY

LOGIN_PATH = "/login"


def safe_next(path: str) -> str:
    """Only a path on this site: never another origin (``//host``) or a scheme."""
    if not path.startswith("/") or path.startswith("//") or path == LOGIN_PATH:
        return "/"
    return path


def login_page(next_path: str) -> None:
    ui.colors(primary=PRIMARY)
    with ui.card().classes("absolute-center w-96 gap-3").mark("login"):
        ui.label("raydeck").classes("text-2xl font-medium text-primary")
        ui.label("Log in to manage your Ray clusters.").classes("text-grey-7")
        username = ui.input("User name").props("outlined autofocus").classes("w-full")
        password = ui.input("Password", password=True, password_toggle_button=True)
        password.props("outlined").classes("w-full")
        username.mark("login-username")
        password.mark("login-password")
        problem = ui.label("").classes("text-negative text-sm").mark("login-error")

        async def submit() -> None:
            if not username.value or not password.value:
                problem.set_text("Give your user name and password.")
                return
            answer = await _post_session(username.value, password.value, next_path)
            if answer.status != 200:
                problem.set_text(answer.message or "The login failed; try again.")
                password.set_value("")

        password.on("keydown.enter", submit)
        ui.button("Log in", on_click=submit).classes("w-full").mark("login-submit")


@dataclass(frozen=True)
class _Answer:
    status: int
    message: str


async def _post_session(username: str, password: str, next_path: str) -> _Answer:
    """The answer to the browser's ``POST /api/v1/session``; on success the browser is
    already on its way to ``next_path``."""
    body = json.dumps({"username": username, "password": password})
    answer = await ui.run_javascript(
        f"""
        const response = await fetch("/api/v1/session", {{
          method: "POST", credentials: "same-origin",
          headers: {{"Content-Type": "application/json"}}, body: {json.dumps(body)},
        }});
        const answer = await response.json().catch(() => ({{}}));
        if (response.ok) window.location.assign({json.dumps(next_path)});
        return {{status: response.status, message: answer.message || ""}};
        """,
        timeout=15.0,
    )
    return _Answer(int(answer.get("status") or 0), str(answer.get("message") or ""))
