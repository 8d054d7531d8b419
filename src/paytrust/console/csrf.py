"""Cross-site request forgery protection for console forms: a signed double-submit token.

The browser holds a random nonce in the ``paytrust_csrf`` cookie; every form carries
``HMAC(key, nonce | session cookie)``. A forged cross-site form cannot read the cookie to build
the token, a planted cookie is useless without the key, and binding to the session cookie makes
a token die with its session. The sign-in form is protected too (no login CSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Depends, Request, Response

from paytrust.console.signing import purpose_key, settings_of
from paytrust.platform.errors import PermissionDenied
from paytrust.platform.identity.deps import SESSION_COOKIE

CSRF_COOKIE = "paytrust_csrf"
CSRF_FIELD = "csrf_token"


class CsrfRejected(PermissionDenied):
    code = "csrf-rejected"
    title = "Form expired or not sent by this site"


def _nonce(request: Request) -> str:
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_nonce", None)
    if not nonce:
        nonce = secrets.token_urlsafe(32)
        request.state.csrf_nonce = nonce  # set as a cookie by :func:`set_csrf_cookie`
    return str(nonce)


def _token(request: Request, nonce: str) -> str:
    # A page rendered by the request that signed in is bound to the session it just opened.
    session = getattr(request.state, "new_session_token", None) or request.cookies.get(
        SESSION_COOKIE, ""
    )
    message = f"{nonce}\x1f{session}".encode()
    return hmac.new(purpose_key(request, "csrf"), message, hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token to put in this page's forms."""
    return _token(request, _nonce(request))


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Give the browser the nonce a rendered page's tokens were made from, if it lacks it."""
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce and request.cookies.get(CSRF_COOKIE) != nonce:
        response.set_cookie(
            CSRF_COOKIE, nonce, httponly=True, samesite="lax", path="/",
            secure=not settings_of(request).is_demo,
        )


async def _verify_csrf(request: Request) -> None:
    nonce = request.cookies.get(CSRF_COOKIE)
    sent = (await request.form()).get(CSRF_FIELD)
    if not nonce or not isinstance(sent, str) or not hmac.compare_digest(
        sent, _token(request, nonce)
    ):
        raise CsrfRejected("the form's security token is missing or does not match")


CsrfProtected = Depends(_verify_csrf)
