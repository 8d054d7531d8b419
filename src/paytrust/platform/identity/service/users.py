"""Users, roles and teams."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.db import utcnow
from paytrust.platform.errors import Conflict, NotFound, ValidationFailed
from paytrust.platform.i18n import LOCALES as SUPPORTED_LOCALES
from paytrust.platform.identity.models import (
    ConsoleSession,
    RecoveryCode,
    RoleGrant,
    Team,
    TeamMember,
    User,
)
from paytrust.platform.identity.permissions import Role
from paytrust.platform.identity.service._common import (
    find_user,
    forget_cached_credentials,
    get_user,
    password_hasher,
    user_roles,
)

MIN_PASSWORD_LENGTH = 12


def _checked_roles(roles: Iterable[str]) -> list[str]:
    checked: list[str] = []
    for role in roles:
        try:
            checked.append(Role(role).value)
        except ValueError:
            raise ValidationFailed(f"unknown role {role!r}", field="roles") from None
    if not checked:
        raise ValidationFailed("a user needs at least one role", field="roles")
    return sorted(set(checked))


def _user_view(session: Session, user: User) -> dict[str, object]:
    """What the audit trail keeps of a user: never the password hash or TOTP secret."""
    return {
        "username": user.username, "email": user.email, "display_name": user.display_name,
        "locale": user.locale, "disabled": user.disabled, "roles": user_roles(session, user.id),
    }


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def create_user(
    session: Session, *, actor: str, username: str, email: str, display_name: str,
    password: str, roles: Iterable[str], locale: str = "en",
) -> User:
    if find_user(session, username) is not None:
        raise Conflict(f"username {username!r} is taken", field="username")
    if locale not in SUPPORTED_LOCALES:
        raise ValidationFailed(f"unsupported locale {locale!r}", field="locale")
    _check_password(password)
    checked_roles = _checked_roles(roles)
    user = User(
        username=username, email=email, display_name=display_name,
        password_hash=password_hasher.hash(password), locale=locale,
    )
    session.add(user)
    session.flush()
    session.add_all(RoleGrant(user_id=user.id, role=role) for role in checked_roles)
    session.flush()
    audit.record(session, actor=actor, action="identity.user.created", entity_type="user",
                 entity_id=user.id, after=_user_view(session, user))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _user_by_name(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"user {username!r} not found", field="username")
    return user


def set_disabled(session: Session, *, actor: str, username: str, disabled: bool) -> User:
    """Disabling also ends the user's sessions, so enabling them later revives none of them
    (one may have been the reason for disabling)."""
    user = _user_by_name(session, username)
    before = _user_view(session, user)
    user.disabled = disabled
    after = _user_view(session, user)
    if disabled:
        after["sessions_ended"] = _end_open_sessions(session, user.id)
    audit.record(session, actor=actor,
                 action="identity.user.disabled" if disabled else "identity.user.enabled",
                 entity_type="user", entity_id=user.id, before=before, after=after)
    forget_cached_credentials(session)
    return user


def set_roles(session: Session, *, actor: str, username: str, roles: Iterable[str]) -> User:
    user = _user_by_name(session, username)
    before = _user_view(session, user)
    session.execute(delete(RoleGrant).where(RoleGrant.user_id == user.id))
    session.add_all(RoleGrant(user_id=user.id, role=role) for role in _checked_roles(roles))
    session.flush()
    audit.record(session, actor=actor, action="identity.user.roles_changed", entity_type="user",
                 entity_id=user.id, before=before, after=_user_view(session, user))
    forget_cached_credentials(session)
    return user


def _end_open_sessions(session: Session, user_id: str) -> int:
    open_sessions = session.scalars(select(ConsoleSession).where(
        ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None)
    )).all()
    for console_session in open_sessions:
        console_session.revoked_at = utcnow()
    session.flush()
    return len(open_sessions)


def unlock_user(session: Session, *, actor: str, username: str) -> User:
    """Lift a lock-out before it runs out, once the person has proved who they are."""
    user = _user_by_name(session, username)
    before = {"locked_until": user.locked_until, "failed_login_count": user.failed_login_count}
    user.locked_until, user.failed_login_count = None, 0
    audit.record(session, actor=actor, action="identity.user.unlocked", entity_type="user",
                 entity_id=user.id, before=before)
    return user


def reset_second_factor(session: Session, *, actor: str, username: str) -> User:
    """For a lost authenticator: the TOTP secret and recovery codes are dropped and the user's
    sessions end; the next sign-in enrols a new second factor after the password."""
    user = _user_by_name(session, username)
    user.totp_secret = user.pending_totp_secret = None
    user.totp_enrolled_at = user.last_totp_step = None
    session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    ended = _end_open_sessions(session, user.id)
    audit.record(session, actor=actor, action="identity.mfa.reset", entity_type="user",
                 entity_id=user.id, after={"sessions_ended": ended})
    forget_cached_credentials(session)
    return user


def set_user_locale(session: Session, *, actor: str, user_id: str, locale: str) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise ValidationFailed(f"unsupported locale {locale!r}", field="locale")
    user = get_user(session, user_id)
    if user.locale == locale:
        return
    before = user.locale
    user.locale = locale
    audit.record(session, actor=actor, action="identity.user.locale_changed", entity_type="user",
                 entity_id=user.id, before={"locale": before}, after={"locale": locale})


def create_team(session: Session, *, actor: str, name: str, description: str = "") -> Team:
    if session.scalar(select(Team).where(Team.name == name)) is not None:
        raise Conflict(f"team {name!r} exists", field="name")
    team = Team(name=name, description=description)
    session.add(team)
    session.flush()
    audit.record(session, actor=actor, action="identity.team.created", entity_type="team",
                 entity_id=team.id, after={"name": name, "description": description})
    return team


def add_team_member(session: Session, *, actor: str, team_id: str, username: str) -> None:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team {team_id} not found", field="team_id")
    user = _user_by_name(session, username)
    if session.get(TeamMember, (team.id, user.id)) is not None:
        return
    session.add(TeamMember(team_id=team.id, user_id=user.id))
    audit.record(session, actor=actor, action="identity.team.member_added", entity_type="team",
                 entity_id=team.id, after={"username": username})


def list_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def team_members(session: Session, team_id: str) -> list[str]:
    statement = (
        select(User.username).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id).order_by(User.username)
    )
    return list(session.scalars(statement))
