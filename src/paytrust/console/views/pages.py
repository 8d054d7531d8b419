"""The console's own pages: home redirect, dashboard, profile and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from paytrust.console.csrf import CsrfProtected
from paytrust.console.navigation import NavEntry, define_group, register
from paytrust.console.permissions import CONSOLE_ACCESS
from paytrust.console.templating import LOCALE_COOKIE, render
from paytrust.console.tiles import Tile, register_tile, tiles_for
from paytrust.console.views._flow import HOME, safe_next, secure_cookies
from paytrust.platform.errors import Unauthenticated, ValidationFailed
from paytrust.platform.i18n import LOCALES
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.deps import (
    PUBLIC,
    DbSession,
    api_router,
    current_principal,
    require,
)
from paytrust.platform.identity.principal import Principal

router = api_router(tags=["console"], include_in_schema=False)

Caller = Annotated[Principal, require(CONSOLE_ACCESS)]
LOCALE_COOKIE_MAX_AGE_S = 365 * 24 * 3600

define_group("overview", "nav.group.overview", order=10)
define_group("account", "nav.group.account", order=90)
register(NavEntry("dashboard", "nav.dashboard", HOME, CONSOLE_ACCESS, "overview", "home", 10))
register(NavEntry("profile", "nav.profile", "/console/profile", CONSOLE_ACCESS, "account", "user"))


def _permission_count(_db: object, principal: Principal) -> int:
    return len(principal.permissions)


register_tile(Tile("permissions", "dashboard.tile.permissions", CONSOLE_ACCESS, _permission_count,
                   url="/console/profile", order=900))


async def _principal_if_signed_in(request: Request) -> Principal | None:
    try:
        return await current_principal(request)
    except Unauthenticated:
        return None


OptionalCaller = Annotated[Principal | None, Depends(_principal_if_signed_in)]


def _checked_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValidationFailed(f"unsupported language {locale!r}", field="locale")
    return locale


def _remember_locale(
    request: Request, db: DbSession, response: Response, caller: Principal | None, locale: str
) -> None:
    """The browser keeps the choice in a cookie; a signed-in user keeps it as a preference."""
    response.set_cookie(LOCALE_COOKIE, locale, max_age=LOCALE_COOKIE_MAX_AGE_S, path="/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    if caller is not None and caller.user_id is not None and caller.locale != locale:
        identity_service.set_user_locale(db, actor=caller.actor, user_id=caller.user_id,
                                         locale=locale)


@router.get("/", dependencies=[PUBLIC])
def home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=307)


@router.get(HOME)
def dashboard(request: Request, db: DbSession, caller: Caller) -> Response:
    return render(request, "console/dashboard.html", current_nav="dashboard",
                  tiles=tiles_for(db, caller), roles=sorted(caller.roles))


@router.get("/console/profile")
def profile(
    request: Request, caller: Caller, saved: Annotated[bool, Query()] = False
) -> Response:
    return render(request, "console/profile.html", current_nav="profile", saved=saved,
                  roles=sorted(caller.roles))


@router.post("/console/profile", dependencies=[CsrfProtected])
def save_profile(
    request: Request, db: DbSession, caller: Caller, locale: Annotated[str, Form()]
) -> Response:
    response = RedirectResponse("/console/profile?saved=true", status_code=303)
    _remember_locale(request, db, response, caller, _checked_locale(locale))
    return response


@router.post("/console/language", dependencies=[PUBLIC, CsrfProtected])
def switch_language(
    request: Request,
    db: DbSession,
    caller: OptionalCaller,
    locale: Annotated[str, Form()],
    next_url: Annotated[str, Form(alias="next")] = HOME,
) -> Response:
    response = RedirectResponse(safe_next(next_url), status_code=303)
    _remember_locale(request, db, response, caller, _checked_locale(locale))
    return response
