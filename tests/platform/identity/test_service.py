"""Identity services: passwords, second factor, lock-out, sessions, API keys, audit."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.db import Database
from paytrust.platform.errors import AccountLocked, Unauthenticated, ValidationFailed
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.models import ApiKey, User
from paytrust.platform.identity.service.authentication import _matching_step

from .factories import PASSWORD, make_api_key, make_user, session_token_for


def test_password_is_stored_as_argon2id_and_verified(session: Session) -> None:
    user, _ = make_user(session, roles=["risk_analyst"], mfa=False)
    assert user.password_hash.startswith("$argon2id$")
    result = identity_service.authenticate_password(session, username=user.username,
                                                    password=PASSWORD)
    assert result.user_id == user.id
    assert result.mfa_enrolled is False


def test_unknown_user_and_wrong_password_get_the_same_answer(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    with pytest.raises(Unauthenticated) as unknown:
        identity_service.authenticate_password(session, username="nobody", password="x" * 12)
    with pytest.raises(Unauthenticated) as wrong:
        identity_service.authenticate_password(session, username=user.username, password="x")
    assert unknown.value.detail == wrong.value.detail


def test_repeated_failures_lock_the_account_until_the_lockout_ends(
    database: Database, session: Session
) -> None:
    user, _ = make_user(session, mfa=False)
    session.commit()
    now = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            identity_service.authenticate_password(
                session, username=user.username, password="wrong-password", now=now)
    with pytest.raises(AccountLocked):  # the fifth failure locks
        identity_service.authenticate_password(
            session, username=user.username, password="wrong-password", now=now)
    session.expire_all()
    with pytest.raises(AccountLocked):  # even the right password is refused while locked
        identity_service.authenticate_password(session, username=user.username,
                                               password=PASSWORD, now=now)
    later = now + timedelta(minutes=16)
    session.expire_all()
    assert identity_service.authenticate_password(
        session, username=user.username, password=PASSWORD, now=later).user_id == user.id


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
     (2000000000, "69279037")],
)
def test_totp_matches_rfc_6238_sha1_vectors(unix_time: int, expected: str) -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert pyotp.TOTP(secret, digits=8).at(unix_time) == expected
    now = datetime.fromtimestamp(unix_time, UTC)
    assert _matching_step(secret, pyotp.TOTP(secret).at(unix_time), now, None) == unix_time // 30


def test_totp_code_is_accepted_once(session: Session) -> None:
    user, secret = make_user(session)
    assert secret is not None
    code = pyotp.TOTP(secret).now()
    identity_service.verify_second_factor(session, user_id=user.id, code=code)
    with pytest.raises(Unauthenticated):
        identity_service.verify_second_factor(session, user_id=user.id, code=code)


def test_recovery_code_works_once(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    secret = identity_service.start_totp_enrolment(session, user_id=user.id).secret
    codes = identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(secret).at(int(time.time()) - 30))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    identity_service.verify_second_factor(session, user_id=user.id, code=codes[0])
    with pytest.raises(Unauthenticated):
        identity_service.verify_second_factor(session, user_id=user.id, code=codes[0])


def test_enrolment_gives_a_qr_code_and_otpauth_uri(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    enrolment = identity_service.start_totp_enrolment(session, user_id=user.id)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    assert f"secret={enrolment.secret}" in enrolment.otpauth_uri
    assert "<svg" in enrolment.qr_svg


def test_session_expires_when_idle_and_at_its_absolute_end(session: Session) -> None:
    user, _ = make_user(session)
    start = datetime.now(UTC)
    token, _ = identity_service.create_session(session, user_id=user.id, ip=None,
                                               user_agent=None, mfa_passed=True, now=start)
    principal = identity_service.authenticate_session_token(session, token, now=start)
    assert principal.user_id == user.id
    assert principal.can("console.access")
    with pytest.raises(Unauthenticated, match="expired"):
        identity_service.authenticate_session_token(session, token, start + timedelta(minutes=31))
    for minute in range(20, 480, 20):  # kept alive, it still ends after the absolute TTL
        later = start + timedelta(minutes=minute)
        identity_service.authenticate_session_token(session, token, later)
    with pytest.raises(Unauthenticated, match="expired"):
        identity_service.authenticate_session_token(session, token, start + timedelta(minutes=481))


def test_session_without_second_factor_or_of_disabled_user_is_refused(session: Session) -> None:
    user, _ = make_user(session)
    half, _ = identity_service.create_session(session, user_id=user.id, ip=None,
                                              user_agent=None, mfa_passed=False)
    with pytest.raises(Unauthenticated):
        identity_service.authenticate_session_token(session, half)
    token = session_token_for(session, user)
    identity_service.set_disabled(session, actor="test", username=user.username, disabled=True)
    with pytest.raises(Unauthenticated):
        identity_service.authenticate_session_token(session, token)
    identity_service.set_disabled(session, actor="test", username=user.username, disabled=False)
    with pytest.raises(Unauthenticated):  # enabling again revives none of the old sessions
        identity_service.authenticate_session_token(session, token)


def test_api_key_is_stored_hashed_scoped_and_revocable(session: Session) -> None:
    raw_key = make_api_key(session, ["risk.transactions.score"])
    stored = session.scalars(select(ApiKey)).one()
    assert raw_key not in (stored.secret_hash, stored.prefix)
    assert raw_key.startswith(stored.prefix)
    principal = identity_service.authenticate_api_key(session, raw_key)
    assert principal.permissions == frozenset({"risk.transactions.score"})
    assert stored.last_used_at is not None
    with pytest.raises(Unauthenticated):
        identity_service.authenticate_api_key(session, raw_key[:-1] + "x")
    identity_service.revoke_api_key(session, actor="test", key_id=stored.prefix)
    with pytest.raises(Unauthenticated, match="revoked"):
        identity_service.authenticate_api_key(session, raw_key)


def test_api_key_scopes_must_be_grantable_to_keys(session: Session) -> None:
    with pytest.raises(ValidationFailed) as error:
        make_api_key(session, ["identity.users.manage"])
    assert error.value.field == "scopes"


def test_changes_are_audited_without_secrets(session: Session) -> None:
    user, _ = make_user(session)
    raw_key = make_api_key(session, ["risk.transactions.score"])
    entries = session.scalars(select(audit.AuditEntry)).all()
    actions = {entry.action for entry in entries}
    assert {"identity.user.created", "identity.mfa.enrolled", "identity.apikey.created"} <= actions
    stored = session.get(User, user.id)
    assert stored is not None
    assert stored.totp_secret is not None
    for entry in entries:
        text = f"{entry.before_json}{entry.after_json}"
        assert stored.password_hash not in text
        assert raw_key not in text
        assert stored.totp_secret not in text


def test_every_change_is_audited_with_its_actor(session: Session) -> None:
    user, _ = make_user(session, roles=["trainer"])
    token = session_token_for(session, user)
    identity_service.end_session(session, token=token)
    identity_service.set_roles(session, actor="user:root", username=user.username,
                               roles=["trainer", "manager"])
    identity_service.set_disabled(session, actor="user:root", username=user.username,
                                  disabled=True)
    identity_service.set_disabled(session, actor="user:root", username=user.username,
                                  disabled=False)
    identity_service.set_user_locale(session, actor="user:root", user_id=user.id,
                                     locale="zh_Hans")
    team = identity_service.create_team(session, actor="user:root", name="AML desk")
    identity_service.add_team_member(session, actor="user:root", team_id=team.id,
                                     username=user.username)
    make_api_key(session, ["risk.outcomes.write"])
    key = session.scalars(select(ApiKey)).one()
    identity_service.revoke_api_key(session, actor="user:root", key_id=key.id)

    entries = session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).all()
    assert [(e.action, e.actor) for e in entries if e.actor == "user:root"] == [
        ("identity.user.roles_changed", "user:root"),
        ("identity.user.disabled", "user:root"),
        ("identity.user.enabled", "user:root"),
        ("identity.user.locale_changed", "user:root"),
        ("identity.team.created", "user:root"),
        ("identity.team.member_added", "user:root"),
        ("identity.apikey.revoked", "user:root"),
    ]
    actions = [e.action for e in entries]
    assert {"identity.session.started", "identity.session.ended"} <= set(actions)
    roles_changed = next(e for e in entries if e.action == "identity.user.roles_changed")
    assert '"roles":["trainer"]' in (roles_changed.before_json or "")
    assert '"roles":["manager","trainer"]' in (roles_changed.after_json or "")


def test_customer_session_needs_no_second_factor_but_staff_sessions_do(session: Session) -> None:
    customer, _ = make_user(session, roles=["customer"], mfa=False)
    token, _ = identity_service.create_session(session, user_id=customer.id, ip=None,
                                               user_agent=None, mfa_passed=False)
    assert identity_service.authenticate_session_token(session, token).roles == {"customer"}
    identity_service.set_roles(session, actor="test", username=customer.username,
                               roles=["customer", "support_agent"])
    with pytest.raises(Unauthenticated, match="second factor"):
        identity_service.authenticate_session_token(session, token)


def test_session_last_seen_is_written_at_most_once_a_minute(session: Session) -> None:
    user, _ = make_user(session)
    start = datetime.now(UTC)
    token, console_session = identity_service.create_session(
        session, user_id=user.id, ip=None, user_agent=None, mfa_passed=True, now=start)
    identity_service.authenticate_session_token(session, token, start + timedelta(seconds=59))
    assert console_session.last_seen_at == start
    later = start + timedelta(seconds=61)
    identity_service.authenticate_session_token(session, token, later)
    assert console_session.last_seen_at == later
