"""Sign-in details: hash upgrades, the TOTP window, recovery codes, failed attempts, caching."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.db import Database
from paytrust.platform.errors import (
    AccountLocked,
    Conflict,
    Unauthenticated,
    install_problem_handlers,
)
from paytrust.platform.identity import cache, deps
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.deps import api_router, require
from paytrust.platform.identity.models import ApiKey, RecoveryCode, User
from paytrust.platform.identity.principal import Principal
from paytrust.platform.identity.service import authentication, users

from .factories import PASSWORD, make_api_key, make_user, session_token_for

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def _actions(session: Session, entity_id: str) -> list[str]:
    statement = (select(audit.AuditEntry.action).where(audit.AuditEntry.entity_id == entity_id)
                 .order_by(audit.AuditEntry.seq))
    return list(session.scalars(statement))


def test_password_hash_is_upgraded_at_sign_in_when_the_costs_change(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "password_hasher", CHEAP_HASHER)
    user, _ = make_user(session, mfa=False)
    weak_hash = user.password_hash
    assert "m=8192,t=1,p=1" in weak_hash

    with pytest.raises(Unauthenticated):
        identity_service.authenticate_password(session, username=user.username, password="x")
    assert user.password_hash == weak_hash  # only a proven password is re-hashed
    identity_service.authenticate_password(session, username=user.username, password=PASSWORD)

    assert user.password_hash != weak_hash
    assert user.password_hash.startswith("$argon2id$")
    assert not authentication.password_hasher.check_needs_rehash(user.password_hash)
    assert authentication.password_hasher.verify(user.password_hash, PASSWORD)


def test_totp_accepts_one_step_either_side_and_nothing_further(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    enrolment = identity_service.start_totp_enrolment(session, user_id=user.id)
    now = datetime.now(UTC)
    totp = pyotp.TOTP(enrolment.secret)
    with pytest.raises(Unauthenticated):
        identity_service.confirm_totp_enrolment(
            session, user_id=user.id, code=totp.at(now - timedelta(seconds=60)), now=now)
    identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=totp.at(now - timedelta(seconds=30)), now=now)
    with pytest.raises(Unauthenticated):
        identity_service.verify_second_factor(
            session, user_id=user.id, code=totp.at(now + timedelta(seconds=60)), now=now)
    identity_service.verify_second_factor(
        session, user_id=user.id, code=totp.at(now + timedelta(seconds=30)), now=now)


def test_an_older_code_is_refused_after_a_newer_one_was_used(session: Session) -> None:
    user, secret = make_user(session)
    assert secret is not None
    now = datetime.now(UTC)
    totp = pyotp.TOTP(secret)
    identity_service.verify_second_factor(session, user_id=user.id, code=totp.at(now), now=now)
    with pytest.raises(Unauthenticated):  # still inside the window, but behind the used step
        identity_service.verify_second_factor(
            session, user_id=user.id, code=totp.at(now - timedelta(seconds=30)), now=now)


def test_recovery_code_is_accepted_however_it_is_retyped(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    secret = identity_service.start_totp_enrolment(session, user_id=user.id).secret
    codes = identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(secret).at(int(time.time()) - 30))
    for code, retyped in zip(codes, [f" {codes[0].upper()} ", codes[1].replace("-", " ")],
                             strict=False):
        identity_service.verify_second_factor(session, user_id=user.id, code=retyped)
        with pytest.raises(Unauthenticated):
            identity_service.verify_second_factor(session, user_id=user.id, code=code)
    assert _actions(session, user.id).count("identity.mfa.recovery_used") == 2


def test_recovery_codes_are_stored_keyed_never_plain(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    secret = identity_service.start_totp_enrolment(session, user_id=user.id).secret
    codes = identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(secret).at(int(time.time()) - 30))
    session.flush()
    stored = set(session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == len(codes)
    plain = {hashlib.sha256(code.encode()).hexdigest() for code in codes}
    assert not stored & (plain | set(codes))


def test_enrolling_again_retires_the_old_recovery_codes(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    first = identity_service.start_totp_enrolment(session, user_id=user.id).secret
    old_codes = identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(first).at(int(time.time()) - 30))
    second = identity_service.start_totp_enrolment(session, user_id=user.id).secret
    new_codes = identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(second).now())
    with pytest.raises(Unauthenticated):
        identity_service.verify_second_factor(session, user_id=user.id, code=old_codes[0])
    identity_service.verify_second_factor(session, user_id=user.id, code=new_codes[0])


def test_first_enrolment_cannot_replace_an_enrolled_second_factor(session: Session) -> None:
    """The first-enrolment path needs only the password: it must not work once MFA exists."""
    user, secret = make_user(session)
    with pytest.raises(Conflict):
        identity_service.start_first_totp_enrolment(session, user_id=user.id)
    with pytest.raises(Conflict):
        identity_service.confirm_first_totp_enrolment(session, user_id=user.id, code="123456")
    assert session.get(User, user.id).totp_secret == secret  # type: ignore[union-attr]


def test_failed_sign_ins_are_audited_with_their_address(database: Database) -> None:
    with database.session_scope() as session:
        user, _ = make_user(session, mfa=False)
    for _ in range(2):
        with pytest.raises(Unauthenticated), database.session_scope() as session:
            identity_service.authenticate_password(
                session, username=user.username, password="wrong", ip="203.0.113.9")
    with database.read_session() as session:
        failures = session.scalars(select(audit.AuditEntry).where(
            audit.AuditEntry.action == "identity.login.failed")).all()
        assert [json.loads(f.after_json or "{}") for f in failures] == [
            {"reason": "password", "failures": n, "ip": "203.0.113.9"} for n in (1, 2)
        ]
        assert session.get(User, user.id).failed_login_count == 2  # type: ignore[union-attr]


def test_successful_password_alone_does_not_reset_the_count_of_wrong_codes(
    session: Session
) -> None:
    """Otherwise knowing the password would allow unlimited guesses at the second factor."""
    user, _ = make_user(session)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            identity_service.verify_second_factor(session, user_id=user.id, code="000000")
    identity_service.authenticate_password(session, username=user.username, password=PASSWORD)
    assert user.failed_login_count == 2


def test_api_key_last_use_is_written_at_most_once_a_minute(session: Session) -> None:
    raw_key = make_api_key(session, ["risk.outcomes.write"])
    key = session.scalars(select(ApiKey)).one()
    start = datetime.now(UTC)
    identity_service.authenticate_api_key(session, raw_key, now=start)
    assert key.last_used_at == start
    identity_service.authenticate_api_key(session, raw_key, now=start + timedelta(seconds=59))
    assert key.last_used_at == start
    later = start + timedelta(seconds=61)
    identity_service.authenticate_api_key(session, raw_key, now=later)
    assert key.last_used_at == later


def test_revocation_drops_principals_cached_while_it_was_uncommitted(database: Database) -> None:
    with database.session_scope() as session:
        raw_key = make_api_key(session, ["risk.outcomes.write"])
    stale = Principal(kind="api_key", id="k", name="integrator", roles=frozenset(),
                      permissions=frozenset({"risk.outcomes.write"}))
    with database.session_scope() as session:
        key_id = session.scalars(select(ApiKey.id)).one()
        identity_service.revoke_api_key(session, actor="test", key_id=key_id)
        cache.put("api_key", raw_key, stale)  # another request read the key before the commit
    assert cache.get("api_key", raw_key) is None


def test_admin_unlocks_a_locked_account_before_the_lockout_ends(database: Database) -> None:
    with database.session_scope() as session:
        user, _ = make_user(session, mfa=False)
    for _ in range(5):
        with pytest.raises((Unauthenticated, AccountLocked)), database.session_scope() as session:
            identity_service.authenticate_password(session, username=user.username, password="x")
    with pytest.raises(AccountLocked), database.session_scope() as session:
        identity_service.authenticate_password(session, username=user.username, password=PASSWORD)

    with database.session_scope() as session:
        identity_service.unlock_user(session, actor="user:root", username=user.username)

    with database.session_scope() as session:
        identity_service.authenticate_password(session, username=user.username, password=PASSWORD)
        assert _actions(session, user.id)[-2:] == ["identity.user.locked", "identity.user.unlocked"]


def test_second_factor_reset_drops_secret_codes_and_sessions(session: Session) -> None:
    user, _ = make_user(session, mfa=False)
    secret = identity_service.start_totp_enrolment(session, user_id=user.id).secret
    codes = identity_service.confirm_totp_enrolment(
        session, user_id=user.id, code=pyotp.TOTP(secret).at(int(time.time()) - 30))
    token = session_token_for(session, user)

    identity_service.reset_second_factor(session, actor="user:root", username=user.username)

    assert user.totp_secret is None
    assert identity_service.authenticate_password(
        session, username=user.username, password=PASSWORD).mfa_enrolled is False
    with pytest.raises(Unauthenticated):
        identity_service.authenticate_session_token(session, token)
    with pytest.raises(Unauthenticated):
        identity_service.verify_second_factor(session, user_id=user.id, code=codes[0])
    identity_service.start_first_totp_enrolment(session, user_id=user.id)  # allowed again
    assert "identity.mfa.reset" in _actions(session, user.id)


def test_mfa_token_names_its_user_until_it_expires() -> None:
    issued_at = datetime.now(UTC)
    token = identity_service.issue_mfa_token("u1", now=issued_at)
    assert identity_service.redeem_mfa_token(token, now=issued_at + timedelta(minutes=4)) == "u1"
    with pytest.raises(Unauthenticated):
        identity_service.redeem_mfa_token(token, now=issued_at + timedelta(minutes=5))


@pytest.mark.parametrize("damage", [
    lambda token: "u2" + token[2:],  # another user's id under the same signature
    lambda token: token.rpartition(".")[0] + ".AAAA",
    lambda token: token.replace(".", "", 1),
    lambda token: "",
])
def test_mfa_token_that_was_altered_is_refused(damage: Callable[[str], str]) -> None:
    token = identity_service.issue_mfa_token("u1")
    with pytest.raises(Unauthenticated) as refused:
        identity_service.redeem_mfa_token(damage(token))
    assert refused.value.field == "mfa_token"


def _app_guarded_by(permission: str, database: Database) -> FastAPI:
    app = FastAPI()
    app.state.database = database
    install_problem_handlers(app)
    router = api_router()

    @router.get("/guarded", dependencies=[require(permission)])
    async def guarded() -> dict[str, str]:
        return {}

    app.include_router(router)
    return app


def _concurrent_gets(app: FastAPI, api_key: str, count: int) -> list[int]:
    async def get_all() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"x-api-key": api_key}) as client:
            responses = await asyncio.gather(*(client.get("/guarded") for _ in range(count)))
        return [response.status_code for response in responses]

    return asyncio.run(get_all())


def _counting_slow_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each database lookup of a credential; slow enough for requests to overlap."""
    lookups: list[str] = []
    resolve = deps._resolve

    def slow_resolve(database: Database, kind: str, credential: str) -> Principal:
        lookups.append(kind)
        time.sleep(0.05)
        return resolve(database, kind, credential)

    monkeypatch.setattr(deps, "_resolve", slow_resolve)
    return lookups


def test_concurrent_requests_with_an_uncached_api_key_share_one_lookup(
    database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with database.session_scope() as session:
        raw_key = make_api_key(session, ["risk.outcomes.write"])
    lookups = _counting_slow_lookups(monkeypatch)

    statuses = _concurrent_gets(_app_guarded_by("risk.outcomes.write", database), raw_key, 8)

    assert (statuses, lookups) == ([200] * 8, ["api_key"])
    assert cache.get("api_key", raw_key) is not None


def test_every_request_sharing_a_lookup_of_an_unknown_key_is_refused(
    database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    lookups = _counting_slow_lookups(monkeypatch)

    statuses = _concurrent_gets(_app_guarded_by("risk.outcomes.write", database),
                                "ptk_unknown_0000000000000000", 4)

    assert (statuses, lookups) == ([401] * 4, ["api_key"])
    assert cache.get("api_key", "ptk_unknown_0000000000000000") is None
