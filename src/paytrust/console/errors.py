"""Console-style answers for browsers on console pages.

A person opening a console page without a session is sent to the sign-in page (and back
afterwards); a forbidden or unknown page is shown as a page with the navigation. API clients,
and anything outside ``/console``, keep getting RFC 9457 problems from the platform handlers.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from paytrust.console.templating import render
from paytrust.console.views._flow import HOME, LOGIN
from paytrust.platform.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    status_of,
)
from paytrust.platform.identity.deps import current_principal, resolved_principal


def wants_console_page(request: Request) -> bool:
    path = request.url.path
    on_console = path == HOME or path.startswith(HOME + "/")
    return on_console and "text/html" in request.headers.get("accept", "")


async def _resolve_principal_quietly(request: Request) -> None:
    """Show the navigation on a 404 page if the visitor is signed in; no route resolved it."""
    if resolved_principal(request) is None:
        with contextlib.suppress(DomainError):
            await current_principal(request)


_Handler = Callable[[Request, Exception], Any]


async def _delegate(handler: _Handler, request: Request, exc: Exception) -> Response:
    response = handler(request, exc)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response


def _error_page(request: Request, status_code: int, code: str) -> Response:
    return render(request, "console/error.html", status_code=status_code,
                  title_key=f"error.{code}.title", body_key=f"error.{code}.body")


def install_console_error_pages(app: FastAPI) -> None:
    """Wrap the platform's problem handlers (installed first) with console pages."""
    problem_for_domain_error: _Handler = app.exception_handlers[DomainError]
    problem_for_http_error: _Handler = app.exception_handlers[StarletteHTTPException]

    async def on_unauthenticated(request: Request, exc: Exception) -> Response:
        if not wants_console_page(request):
            return await _delegate(problem_for_domain_error, request, exc)
        query = ""
        if request.method == "GET":  # come back here after signing in
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query = "?" + urlencode({"next": target})
        return RedirectResponse(LOGIN + query, status_code=303)

    async def on_denied_or_missing(request: Request, exc: Exception) -> Response:
        if not wants_console_page(request):
            return await _delegate(problem_for_domain_error, request, exc)
        assert isinstance(exc, PermissionDenied | NotFound)
        return _error_page(request, status_of(exc), exc.code)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code != 404 or not wants_console_page(request):
            return await _delegate(problem_for_http_error, request, exc)
        await _resolve_principal_quietly(request)
        return _error_page(request, 404, NotFound.code)

    app.add_exception_handler(Unauthenticated, on_unauthenticated)
    app.add_exception_handler(PermissionDenied, on_denied_or_missing)
    app.add_exception_handler(NotFound, on_denied_or_missing)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
