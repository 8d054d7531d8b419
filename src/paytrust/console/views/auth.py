"""Sign-in: password, then TOTP enrolment (first time) or the TOTP challenge, then a session.

The steps between password and session are carried by a short-lived signed cookie naming the
user (``_flow.PendingLogin``); every failure counts towards the account's lock-out inside the
identity service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from paytrust.console.csrf import CsrfProtected
from paytrust.console.permissions import CONSOLE_ACCESS
from paytrust.console.templating import render
from paytrust.console.views._flow import (
    LOGIN,
    PENDING_COOKIE,
    PendingLogin,
    back_to_sign_in,
    client_ip,
    open_session,
    pending_login,
    remember_pending_login,
    safe_next,
    set_session_cookie,
)
from paytrust.platform.errors import AccountLocked, Unauthenticated, status_of
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.deps import (
    PUBLIC,
    SESSION_COOKIE,
    DbSession,
    api_router,
    require,
)

router = api_router(prefix="/console", tags=["console"], include_in_schema=False)

NextField = Annotated[str, Form(alias="next")]
CodeField = Annotated[str, Form(min_length=1, max_length=64)]


def _error_key(error: Unauthenticated | AccountLocked) -> str:
    return "auth.error.locked" if isinstance(error, AccountLocked) else "auth.error.invalid"


@router.get("/login", dependencies=[PUBLIC])
def sign_in_page(
    request: Request, next_url: Annotated[str, Query(alias="next")] = "/console"
) -> Response:
    return render(request, "console/sign_in.html", next_url=safe_next(next_url), error_key=None,
                  username="")


@router.post("/login", dependencies=[PUBLIC, CsrfProtected])
def sign_in(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next_url: NextField = "/console",
) -> Response:
    try:
        login = identity_service.authenticate_password(
            db, username=username, password=password, ip=client_ip(request)
        )
    except (Unauthenticated, AccountLocked) as error:
        return render(request, "console/sign_in.html", status_code=status_of(error),
                      next_url=safe_next(next_url), error_key=_error_key(error), username=username)
    step = "/console/login/mfa" if login.mfa_enrolled else "/console/login/enrol"
    response = RedirectResponse(step, status_code=303)
    pending = PendingLogin(login.user_id, login.mfa_enrolled, safe_next(next_url))
    remember_pending_login(request, response, pending)
    return response


@router.get("/login/mfa", dependencies=[PUBLIC])
def second_factor_page(request: Request) -> Response:
    pending = pending_login(request)
    if pending is None or not pending.mfa_enrolled:
        return back_to_sign_in()
    return render(request, "console/mfa_challenge.html", error_key=None)


@router.post("/login/mfa", dependencies=[PUBLIC, CsrfProtected])
def second_factor(request: Request, db: DbSession, code: CodeField) -> Response:
    pending = pending_login(request)
    if pending is None or not pending.mfa_enrolled:
        return back_to_sign_in()
    try:
        identity_service.verify_second_factor(db, user_id=pending.user_id, code=code.strip())
    except (Unauthenticated, AccountLocked) as error:
        response: Response = render(request, "console/mfa_challenge.html",
                                    status_code=status_of(error), error_key=_error_key(error))
        if isinstance(error, AccountLocked):
            response.delete_cookie(PENDING_COOKIE, path=LOGIN)
        return response
    token = open_session(request, db, pending.user_id)
    response = RedirectResponse(pending.next_url, status_code=303)
    set_session_cookie(request, response, token)
    return response


def _enrolment_page(
    request: Request, db: DbSession, pending: PendingLogin, *, error_key: str | None
) -> Response:
    enrolment = identity_service.start_first_totp_enrolment(db, user_id=pending.user_id)
    return render(
        request, "console/mfa_enrol.html", status_code=400 if error_key else 200,
        # The QR code is SVG drawn by the identity service from our own data, not user input.
        qr_svg=Markup(enrolment.qr_svg), otpauth_uri=enrolment.otpauth_uri,
        secret=enrolment.secret, error_key=error_key,
    )


@router.get("/login/enrol", dependencies=[PUBLIC])
def enrolment_page(request: Request, db: DbSession) -> Response:
    pending = pending_login(request)
    if pending is None or pending.mfa_enrolled:
        return back_to_sign_in()
    return _enrolment_page(request, db, pending, error_key=None)


@router.post("/login/enrol", dependencies=[PUBLIC, CsrfProtected])
def confirm_enrolment(request: Request, db: DbSession, code: CodeField) -> Response:
    pending = pending_login(request)
    if pending is None or pending.mfa_enrolled:
        return back_to_sign_in()
    try:
        recovery_codes = identity_service.confirm_first_totp_enrolment(
            db, user_id=pending.user_id, code=code.strip()
        )
    except (Unauthenticated, AccountLocked) as error:
        if isinstance(error, AccountLocked):
            return render(request, "console/sign_in.html", status_code=status_of(error),
                          next_url=pending.next_url, error_key=_error_key(error), username="")
        return _enrolment_page(request, db, pending, error_key="auth.enrol.error_code")
    # Confirming the code proved the second factor: the session starts here, and the recovery
    # codes are shown this once and never again.
    token = open_session(request, db, pending.user_id)
    response = render(request, "console/recovery_codes.html", recovery_codes=recovery_codes,
                      next_url=pending.next_url)
    set_session_cookie(request, response, token)
    return response


@router.post("/logout", dependencies=[require(CONSOLE_ACCESS), CsrfProtected])
def sign_out(request: Request, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        identity_service.end_session(db, token=token)
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
