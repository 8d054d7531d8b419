"""Rendering console pages: one Jinja environment, one page context, safe response headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from paytrust import __version__
from paytrust.console.csrf import CSRF_FIELD, csrf_token, set_csrf_cookie
from paytrust.console.navigation import visible_navigation
from paytrust.console.signing import settings_of
from paytrust.platform.i18n import negotiate_locale
from paytrust.platform.i18n.jinja import install_i18n
from paytrust.platform.identity.deps import resolved_principal

LOCALE_COOKIE = "paytrust_locale"
TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Everything is served by us: no CDN, no inline script, no external font.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_loader = FileSystemLoader([TEMPLATE_DIR])
environment = Environment(
    loader=_loader,
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
install_i18n(environment)
environment.globals.update(CSRF_FIELD=CSRF_FIELD, VERSION=__version__)


def add_template_directory(directory: Path) -> None:
    """Let a module's ``templates/`` folder be found (its pages extend ``console/base.html``)."""
    _loader.searchpath.append(str(directory))


def request_locale(request: Request) -> str:
    principal = resolved_principal(request)
    return negotiate_locale(
        preference=principal.locale if principal else None,
        cookie=request.cookies.get(LOCALE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        default=settings_of(request).default_locale,
    )


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a console page in the request's language, with the caller's navigation."""
    principal = resolved_principal(request)
    page_context = {
        "request": request,
        "locale": request_locale(request),
        "principal": principal,
        "navigation": visible_navigation(principal) if principal else [],
        "current_nav": None,
        "csrf_token": csrf_token(request),
        "current_path": request.url.path
        + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    }
    html = environment.get_template(template).render(page_context)
    response = HTMLResponse(html, status_code=status_code, headers=_SECURITY_HEADERS)
    set_csrf_cookie(request, response)
    return response
