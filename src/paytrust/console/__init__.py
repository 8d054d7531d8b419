"""The staff console: server-rendered pages, role-aware navigation, sign-in with MFA."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from paytrust.console.errors import install_console_error_pages
from paytrust.console.templating import STATIC_DIR


def install_console(app: FastAPI) -> None:
    """Serve the console's static assets and answer browsers on console pages with pages.
    (The console's routers are mounted with every other module's, in ``app._routers``.)"""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_console_error_pages(app)


__all__ = ["install_console"]
