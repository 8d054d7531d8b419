"""Sign-in: password, lock-out, TOTP second factor (RFC 6238), recovery codes, sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from paytrust.config import get_settings
from paytrust.platform import audit
from paytrust.platform.errors import (
    AccountLocked,
    Conflict,
    DomainError,
    Unauthenticated,
    ValidationFailed,
)
from paytrust.platform.identity.models import ConsoleSession, RecoveryCode, User
from paytrust.platform.identity.permissions import STAFF_ROLES, permissions_for_roles
from paytrust.platform.identity.principal import Principal
from paytrust.platform.identity.service._common import (
    as_utc,
    find_user,
    forget_cached_credentials,
    get_user,
    now_or,
    password_hasher,
    sha256_hex,
    user_roles,
)

TOTP_STEP_S = 30
RECOVERY_CODE_COUNT = 10
# Idle time is measured in minutes: writing the last-seen time once a minute, not on every
# request, keeps page loads from being writes.
SESSION_TOUCH_RESOLUTION = timedelta(minutes=1)
# Verifying against this keeps the time of a sign-in for an unknown user equal to a real one.
_DUMMY_HASH = password_hasher.hash(secrets.token_urlsafe(16))
_BAD_CREDENTIALS = "username or password is wrong"
_WRONG = {
    "password": _BAD_CREDENTIALS,
    "second factor": "the code is wrong or was already used",
    "enrolment code": "the code does not match; check the device clock",
}


@dataclass(frozen=True)
class LoginResult:
    user_id: str
    mfa_enrolled: bool


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _refuse_if_locked(user: User, now: datetime) -> None:
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        raise AccountLocked("too many failed attempts; try again later")


def _count_failure(
    session: Session, user: User, now: datetime, reason: str, ip: str | None = None
) -> DomainError:
    """Count a failed attempt and return the error to raise. The error keeps the caller's
    unit of work (``commit_anyway``): the request fails, but the failure must still count."""
    settings = get_settings().identity
    user.failed_login_count += 1
    if user.failed_login_count < settings.max_failed_logins:
        audit.record(session, actor=f"user:{user.username}", action="identity.login.failed",
                     entity_type="user", entity_id=user.id,
                     after={"reason": reason, "failures": user.failed_login_count, "ip": ip})
        session.flush()
        return Unauthenticated(_WRONG[reason], commit_anyway=True)
    user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
    user.failed_login_count = 0
    audit.record(session, actor=f"user:{user.username}", action="identity.user.locked",
                 entity_type="user", entity_id=user.id, after={"reason": reason, "ip": ip})
    session.flush()
    return AccountLocked("too many failed attempts; try again later", commit_anyway=True)


def authenticate_password(
    session: Session, *, username: str, password: str, ip: str | None = None,
    now: datetime | None = None,
) -> LoginResult:
    now = now_or(now)
    user = find_user(session, username)
    if user is None or user.disabled:
        _verify_quietly(_DUMMY_HASH, password)
        raise Unauthenticated(_BAD_CREDENTIALS)
    _refuse_if_locked(user, now)
    if not _verify_quietly(user.password_hash, password):
        raise _count_failure(session, user, now, "password", ip)
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
    if user.totp_secret is None:
        # With a second factor to come, only that factor clears the count: otherwise the
        # password alone would buy fresh guesses at the code again and again.
        user.failed_login_count = 0
    return LoginResult(user_id=user.id, mfa_enrolled=user.totp_secret is not None)


def _verify_quietly(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_totp_enrolment(
    session: Session, *, user_id: str, secret: str | None = None
) -> TotpEnrolment:
    user = get_user(session, user_id)
    user.pending_totp_secret = secret or pyotp.random_base32()
    uri = pyotp.TOTP(user.pending_totp_secret).provisioning_uri(
        name=user.username, issuer_name=get_settings().identity.totp_issuer
    )
    return TotpEnrolment(user.pending_totp_secret, uri, segno.make(uri).svg_inline(scale=4))


def _refuse_if_enrolled(session: Session, user_id: str) -> None:
    if get_user(session, user_id).totp_secret is not None:
        raise Conflict("a second factor is enrolled already; sign in with it", field="code")


def start_first_totp_enrolment(session: Session, *, user_id: str) -> TotpEnrolment:
    """Enrolment straight after the password, for a user without a second factor. Refused
    once one is enrolled: the password alone must never be enough to replace it."""
    _refuse_if_enrolled(session, user_id)
    return start_totp_enrolment(session, user_id=user_id)


def confirm_first_totp_enrolment(
    session: Session, *, user_id: str, code: str, now: datetime | None = None
) -> list[str]:
    """Finish :func:`start_first_totp_enrolment`; returns the recovery codes."""
    _refuse_if_enrolled(session, user_id)
    return confirm_totp_enrolment(session, user_id=user_id, code=code, now=now)


def _matching_step(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step (±1 around now) whose code is ``code`` and was not used before."""
    current = int(now.timestamp()) // TOTP_STEP_S
    totp = pyotp.TOTP(secret)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_STEP_S), code.strip()):
            return step
    return None


def confirm_totp_enrolment(
    session: Session, *, user_id: str, code: str, now: datetime | None = None
) -> list[str]:
    """Finish enrolment with a first code; returns recovery codes, shown this once."""
    now = now_or(now)
    user = get_user(session, user_id)
    if user.pending_totp_secret is None:
        raise ValidationFailed("no enrolment in progress", field="code")
    step = _matching_step(user.pending_totp_secret, code, now, None)
    if step is None:
        raise _count_failure(session, user, now, "enrolment code")
    user.totp_secret, user.pending_totp_secret = user.pending_totp_secret, None
    user.totp_enrolled_at, user.last_totp_step = now, step
    codes = _new_recovery_codes(session, user)
    audit.record(session, actor=f"user:{user.username}", action="identity.mfa.enrolled",
                 entity_type="user", entity_id=user.id, after={"recovery_codes": len(codes)})
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=user.totp_enrolled_at)
    )
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(c)) for c in codes)
    return codes


def _recovery_digest(code: str) -> str:
    """Keyed with the service secret: a recovery code has 48 bits, few enough to try them all
    against a plain hash from a stolen database, but not without the key."""
    secret = get_settings().secret_key.get_secret_value().encode()
    key = hashlib.sha256(b"paytrust-recovery-code\x00" + secret).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _recovery_code_as_issued(code: str) -> str:
    """People retype recovery codes from paper: accept any case, spaces, a missing dash."""
    compact = "".join(code.split()).replace("-", "").lower()
    return f"{compact[:6]}-{compact[6:]}"


def verify_second_factor(
    session: Session, *, user_id: str, code: str, now: datetime | None = None
) -> None:
    """Accept a fresh TOTP code or an unused recovery code (which is then spent)."""
    now = now_or(now)
    user = get_user(session, user_id)
    _refuse_if_locked(user, now)
    if user.totp_secret is None:
        raise Unauthenticated("no second factor enrolled")
    step = _matching_step(user.totp_secret, code, now, user.last_totp_step)
    if step is not None:
        user.last_totp_step = step
        user.failed_login_count = 0
        return
    recovery = session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == _recovery_digest(_recovery_code_as_issued(code)),
    ))
    if recovery is not None:
        recovery.used_at = now
        user.failed_login_count = 0
        audit.record(session, actor=f"user:{user.username}", action="identity.mfa.recovery_used",
                     entity_type="user", entity_id=user.id)
        return
    raise _count_failure(session, user, now, "second factor")


def create_session(
    session: Session, *, user_id: str, ip: str | None, user_agent: str | None,
    mfa_passed: bool, now: datetime | None = None,
) -> tuple[str, ConsoleSession]:
    now = now_or(now)
    user = get_user(session, user_id)
    token = secrets.token_urlsafe(32)
    console_session = ConsoleSession(
        token_hash=sha256_hex(token), user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(minutes=get_settings().identity.session_ttl_minutes),
        ip=ip, user_agent=(user_agent or "")[:300], mfa_passed=mfa_passed,
    )
    session.add(console_session)
    session.flush()
    audit.record(session, actor=f"user:{user.username}", action="identity.session.started",
                 entity_type="session", entity_id=console_session.id, after={"ip": ip})
    return token, console_session


def end_session(session: Session, *, token: str, now: datetime | None = None) -> None:
    console_session = session.scalar(
        select(ConsoleSession).where(ConsoleSession.token_hash == sha256_hex(token))
    )
    if console_session is None or console_session.revoked_at is not None:
        return
    console_session.revoked_at = now_or(now)
    user = get_user(session, console_session.user_id)
    audit.record(session, actor=f"user:{user.username}", action="identity.session.ended",
                 entity_type="session", entity_id=console_session.id)
    forget_cached_credentials(session)


def authenticate_session_token(
    session: Session, token: str, now: datetime | None = None
) -> Principal:
    now = now_or(now)
    console_session = session.scalar(
        select(ConsoleSession).where(ConsoleSession.token_hash == sha256_hex(token))
    )
    if console_session is None or console_session.revoked_at is not None:
        raise Unauthenticated("not signed in")
    idle_limit = timedelta(minutes=get_settings().identity.session_idle_minutes)
    expired = as_utc(console_session.expires_at) <= now
    idle = as_utc(console_session.last_seen_at) + idle_limit <= now
    if expired or idle:
        raise Unauthenticated("the session has expired; sign in again")
    user = get_user(session, console_session.user_id)
    if user.disabled:
        raise Unauthenticated("the account is disabled")
    roles = user_roles(session, user.id)
    # Roles are read per request: a customer made staff needs the second factor from then on.
    if not console_session.mfa_passed and STAFF_ROLES.intersection(roles):
        raise Unauthenticated("the second factor is missing")
    if as_utc(console_session.last_seen_at) + SESSION_TOUCH_RESOLUTION <= now:
        console_session.last_seen_at = now
    return Principal(
        kind="user", id=user.id, name=user.username, roles=frozenset(roles),
        permissions=permissions_for_roles(roles), locale=user.locale, user_id=user.id,
        session_id=console_session.id,
    )
