"""Users, sessions and API keys for tests of any module."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.deps import SESSION_COOKIE
from paytrust.platform.identity.models import User

PASSWORD = "correct horse battery staple"
ACTOR = "test:factory"


def make_user(
    session: Session,
    roles: Iterable[str] = ("admin",),
    mfa: bool = True,
    username: str | None = None,
    password: str = PASSWORD,
) -> tuple[User, str | None]:
    """A user with ``roles``; with ``mfa`` its TOTP enrolment is done and its secret returned."""
    user = identity_service.create_user(
        session, actor=ACTOR, username=username or f"user{secrets.token_hex(3)}",
        email="someone@example.test", display_name="Test User", password=password,
        roles=[str(role) for role in roles],
    )
    if not mfa:
        return user, None
    enrolment = identity_service.start_totp_enrolment(session, user_id=user.id)
    # Enrol with the previous step's code (still inside the ±1 window), so the current code
    # is unspent and a test can sign in with it straight away despite replay protection.
    previous_code = pyotp.TOTP(enrolment.secret).at(int(time.time()) - 30)
    identity_service.confirm_totp_enrolment(session, user_id=user.id, code=previous_code)
    return user, enrolment.secret


def session_token_for(session: Session, user: User) -> str:
    """A console session that has passed MFA, as after a full sign-in."""
    token, _ = identity_service.create_session(
        session, user_id=user.id, ip="127.0.0.1", user_agent="pytest", mfa_passed=True
    )
    return token


def sign_in(client: TestClient, session: Session, roles: Iterable[str]) -> User:
    """Create a user with ``roles`` and put its session cookie on ``client``."""
    user, _ = make_user(session, roles=roles)
    token = session_token_for(session, user)
    session.commit()
    client.cookies.set(SESSION_COOKIE, token)
    return user


def signed_in_client(
    client: TestClient, user: User, totp_secret: str, password: str = PASSWORD
) -> TestClient:
    """Sign ``user`` in through the real API flow (password, then TOTP) and keep the session
    cookie on ``client``. Codes are single use: one sign-in per user per 30-second step."""
    login = client.post("/api/v1/auth/login",
                        json={"username": user.username, "password": password})
    assert login.status_code == 200, login.text
    second_factor = client.post(
        "/api/v1/auth/mfa",
        json={"mfa_token": login.json()["mfa_token"], "code": pyotp.TOTP(totp_secret).now()},
    )
    assert second_factor.status_code == 200, second_factor.text
    return client


def make_api_key(session: Session, scopes: Iterable[str], name: str = "integrator") -> str:
    raw_key, _ = identity_service.create_api_key(session, actor=ACTOR, name=name, scopes=scopes)
    return raw_key
