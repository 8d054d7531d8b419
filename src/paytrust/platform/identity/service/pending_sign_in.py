"""The proof, between the two steps of an API sign-in, that the password was right.

A token names the user and an expiry, signed with a key derived from the service secret for
this purpose only. It proves the first factor and nothing more: it opens no session, and the
codes tried with it count towards the lock-out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from paytrust.config import get_settings
from paytrust.platform.errors import Unauthenticated
from paytrust.platform.identity.service._common import now_or

MFA_TOKEN_TTL = timedelta(minutes=5)


def _signature(body: str) -> str:
    secret = get_settings().secret_key.get_secret_value().encode()
    key = hashlib.sha256(b"paytrust-mfa-pending\x00" + secret).digest()
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_mfa_token(user_id: str, *, now: datetime | None = None) -> str:
    expires = int((now_or(now) + MFA_TOKEN_TTL).timestamp())
    body = f"{user_id}.{expires}"
    return f"{body}.{_signature(body)}"


def redeem_mfa_token(token: str, *, now: datetime | None = None) -> str:
    """The user id the token was issued for; Unauthenticated if forged, damaged or expired."""
    body, _, signature = token.rpartition(".")
    user_id, _, expires = body.partition(".")
    valid = bool(user_id) and expires.isdigit() and hmac.compare_digest(
        signature, _signature(body)
    )
    if not valid or int(expires) <= now_or(now).timestamp():
        raise Unauthenticated("the sign-in has expired; start again", field="mfa_token")
    return user_id
