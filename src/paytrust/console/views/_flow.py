"""Pieces of the sign-in flow shared by its pages: the pending-login cookie, the session
cookie and the page a signed-in user is sent on to."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from paytrust.console.signing import purpose_key, settings_of, sign, unsign
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.deps import SESSION_COOKIE

HOME = "/console"
LOGIN = "/console/login"
PENDING_COOKIE = "paytrust_pending_login"
PENDING_TTL_S = 300  # time to type the second factor after the password


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """A user who gave the right password but not yet the second factor."""

    user_id: str
    mfa_enrolled: bool
    next_url: str


def safe_next(url: str | None) -> str:
    """Only console pages of this site are valid places to return to (no open redirect)."""
    if not url or not url.startswith(HOME) or url.startswith("//") or "\\" in url:
        return HOME
    return url


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def secure_cookies(request: Request) -> bool:
    """Cookies are HTTPS-only outside the demo and test modes (which run on plain loopback)."""
    return not settings_of(request).is_demo


def remember_pending_login(request: Request, response: Response, pending: PendingLogin) -> None:
    payload = {"u": pending.user_id, "m": pending.mfa_enrolled, "n": pending.next_url}
    value = sign(purpose_key(request, "pending-login"), payload, PENDING_TTL_S)
    response.set_cookie(PENDING_COOKIE, value, max_age=PENDING_TTL_S, path=LOGIN,
                        httponly=True, samesite="lax", secure=secure_cookies(request))


def pending_login(request: Request) -> PendingLogin | None:
    payload = unsign(purpose_key(request, "pending-login"), request.cookies.get(PENDING_COOKIE))
    if payload is None:
        return None
    return PendingLogin(str(payload["u"]), bool(payload["m"]), safe_next(str(payload["n"])))


def back_to_sign_in() -> RedirectResponse:
    return RedirectResponse(LOGIN, status_code=303)


def open_session(request: Request, db: Session, user_id: str) -> str:
    """Open a console session for a user who passed both factors; returns its token. Forms
    rendered in this same request are bound to the new session (see ``csrf``)."""
    token, _ = identity_service.create_session(
        db, user_id=user_id, ip=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:300], mfa_passed=True,
    )
    request.state.new_session_token = token
    return token


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    max_age = settings_of(request).identity.session_ttl_minutes * 60
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    response.delete_cookie(PENDING_COOKIE, path=LOGIN)
