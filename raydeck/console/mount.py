"""Mounting the console on raydeck's FastAPI app (``create_app`` calls it once)."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from nicegui import ui

from raydeck.console.root import build_root
from raydeck.managers.context import AppContext


def mount(app: FastAPI, context: AppContext) -> None:
    """Serve the console at ``/`` next to the API (whose routes match first)."""
    ui.run_with(
        app,
        root=build_root(context),
        title="raydeck",
        favicon="🛰",
        storage_secret=secrets.token_urlsafe(32),
        show_welcome_message=False,
        reconnect_timeout=10.0,
    )
