"""Identity REST API: sign-in with a second factor, users, teams, API keys, audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from paytrust.platform import audit
from paytrust.platform.errors import problem_schema
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.deps import PUBLIC, SESSION_COOKIE, DbSession, api_router, require
from paytrust.platform.identity.models import User
from paytrust.platform.identity.permissions import (
    APIKEYS_MANAGE,
    AUDIT_READ,
    AUDIT_VERIFY,
    SELF,
    TEAMS_MANAGE,
    USERS_MANAGE,
    USERS_READ,
)
from paytrust.platform.identity.principal import Principal
from paytrust.platform.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    AuditEntryRead,
    AuditVerifyOut,
    FirstEnrolmentIn,
    FirstEnrolmentOut,
    LoginChallenge,
    LoginIn,
    MfaIn,
    RecoveryCodesOut,
    RolesUpdate,
    SessionOut,
    TeamCreate,
    TeamMemberAdd,
    TeamRead,
    TotpConfirmIn,
    TotpEnrolmentOut,
    UserCreate,
    UserRead,
)

router = api_router(prefix="/api/v1", tags=["identity"])
# Every route past the sign-in steps answers these besides its own problems.
guarded = api_router(responses={
    401: problem_schema("No credentials, or expired or revoked ones"),
    403: problem_schema("The caller lacks the route's permission"),
})
_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: problem_schema("Wrong credentials or code"), 423: problem_schema("Account locked"),
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem_schema("Invalid request"), 404: problem_schema("Not found"),
    409: problem_schema("Conflict"),
}
Self = Annotated[Principal, require(SELF)]


def _user_read(db: DbSession, user: User) -> UserRead:
    return UserRead(
        id=user.id, username=user.username, email=user.email, display_name=user.display_name,
        locale=user.locale, disabled=user.disabled,
        roles=identity_service.user_roles(db, user.id),
        mfa_enrolled=user.totp_secret is not None, locked_until=user.locked_until,
        created_at=user.created_at,
    )


@router.post("/auth/login", dependencies=[PUBLIC], responses=_AUTH_ERRORS)
def login(payload: LoginIn, request: Request, db: DbSession) -> LoginChallenge:
    """First step: the password. The answer's token goes with a TOTP code to ``/auth/mfa``."""
    result = identity_service.authenticate_password(
        db, username=payload.username, password=payload.password,
        ip=request.client.host if request.client else None,
    )
    return LoginChallenge(mfa_token=identity_service.issue_mfa_token(result.user_id),
                          mfa_enrolled=result.mfa_enrolled)


def _open_session(request: Request, response: Response, db: DbSession, user_id: str) -> SessionOut:
    """Both factors passed: start a session and hand its token over as an HttpOnly cookie."""
    token, console_session = identity_service.create_session(
        db, user_id=user_id, ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"), mfa_passed=True,
    )
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE, token, max_age=settings.identity.session_ttl_minutes * 60,
        httponly=True, samesite="lax", secure=not settings.is_demo,
    )
    return SessionOut(session_token=token, expires_at=console_session.expires_at)


@router.post("/auth/mfa", dependencies=[PUBLIC], responses=_AUTH_ERRORS)
def second_factor(
    payload: MfaIn, request: Request, response: Response, db: DbSession
) -> SessionOut:
    user_id = identity_service.redeem_mfa_token(payload.mfa_token)
    identity_service.verify_second_factor(db, user_id=user_id, code=payload.code)
    return _open_session(request, response, db, user_id)


@router.post("/auth/mfa/first-enrolment", dependencies=[PUBLIC],
             responses={**_AUTH_ERRORS, 409: problem_schema("A second factor is enrolled")})
def start_first_enrolment(payload: FirstEnrolmentIn, db: DbSession) -> TotpEnrolmentOut:
    """After the password, for a user with no second factor yet: a new TOTP secret to scan."""
    user_id = identity_service.redeem_mfa_token(payload.mfa_token)
    enrolment = identity_service.start_first_totp_enrolment(db, user_id=user_id)
    return TotpEnrolmentOut(**enrolment.__dict__)


@router.post("/auth/mfa/first-enrolment/confirm", dependencies=[PUBLIC],
             responses={**_AUTH_ERRORS, 400: problem_schema("No enrolment started"),
                        409: problem_schema("A second factor is enrolled")})
def confirm_first_enrolment(
    payload: MfaIn, request: Request, response: Response, db: DbSession
) -> FirstEnrolmentOut:
    """A first code from the new secret proves the second factor: the session starts, and the
    recovery codes are shown this once."""
    user_id = identity_service.redeem_mfa_token(payload.mfa_token)
    codes = identity_service.confirm_first_totp_enrolment(db, user_id=user_id, code=payload.code)
    opened = _open_session(request, response, db, user_id)
    return FirstEnrolmentOut(recovery_codes=codes, **opened.model_dump())


@guarded.post("/auth/logout", status_code=204)
def logout(caller: Self, request: Request, response: Response, db: DbSession) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        identity_service.end_session(db, token=token)
    response.delete_cookie(SESSION_COOKIE)


@guarded.get("/auth/me")
def me(caller: Self, db: DbSession) -> UserRead:
    return _user_read(db, identity_service.get_user(db, caller.user_id or ""))


@guarded.post("/auth/mfa/enrolment")
def start_enrolment(caller: Self, db: DbSession) -> TotpEnrolmentOut:
    enrolment = identity_service.start_totp_enrolment(db, user_id=caller.user_id or "")
    return TotpEnrolmentOut(**enrolment.__dict__)


@guarded.post("/auth/mfa/enrolment/confirm", responses=_ERRORS)
def confirm_enrolment(payload: TotpConfirmIn, caller: Self, db: DbSession) -> RecoveryCodesOut:
    codes = identity_service.confirm_totp_enrolment(
        db, user_id=caller.user_id or "", code=payload.code
    )
    return RecoveryCodesOut(recovery_codes=codes)


@guarded.get("/users", dependencies=[require(USERS_READ)])
def list_users(db: DbSession) -> list[UserRead]:
    return [_user_read(db, user) for user in identity_service.list_users(db)]


@guarded.post("/users", status_code=201, responses=_ERRORS)
def create_user(
    payload: UserCreate, caller: Annotated[Principal, require(USERS_MANAGE)], db: DbSession
) -> UserRead:
    user = identity_service.create_user(
        db, actor=caller.actor, username=payload.username, email=payload.email,
        display_name=payload.display_name, password=payload.password,
        roles=[role.value for role in payload.roles], locale=payload.locale,
    )
    return _user_read(db, user)


@guarded.post("/users/{username}/disable", responses=_ERRORS)
def disable_user(
    username: str, caller: Annotated[Principal, require(USERS_MANAGE)], db: DbSession
) -> UserRead:
    return _user_read(db, identity_service.set_disabled(db, actor=caller.actor, username=username,
                                                        disabled=True))


@guarded.post("/users/{username}/enable", responses=_ERRORS)
def enable_user(
    username: str, caller: Annotated[Principal, require(USERS_MANAGE)], db: DbSession
) -> UserRead:
    return _user_read(db, identity_service.set_disabled(db, actor=caller.actor, username=username,
                                                        disabled=False))


@guarded.post("/users/{username}/unlock", responses=_ERRORS)
def unlock_user(
    username: str, caller: Annotated[Principal, require(USERS_MANAGE)], db: DbSession
) -> UserRead:
    return _user_read(db, identity_service.unlock_user(db, actor=caller.actor, username=username))


@guarded.post("/users/{username}/mfa/reset", responses=_ERRORS)
def reset_second_factor(
    username: str, caller: Annotated[Principal, require(USERS_MANAGE)], db: DbSession
) -> UserRead:
    """For a lost authenticator: the user enrols a new one at the next sign-in."""
    user = identity_service.reset_second_factor(db, actor=caller.actor, username=username)
    return _user_read(db, user)


@guarded.put("/users/{username}/roles", responses=_ERRORS)
def set_roles(
    username: str, payload: RolesUpdate, caller: Annotated[Principal, require(USERS_MANAGE)],
    db: DbSession,
) -> UserRead:
    user = identity_service.set_roles(db, actor=caller.actor, username=username,
                                      roles=[role.value for role in payload.roles])
    return _user_read(db, user)


@guarded.get("/teams", dependencies=[require(USERS_READ)])
def list_teams(db: DbSession) -> list[TeamRead]:
    return [
        TeamRead(id=t.id, name=t.name, description=t.description,
                 members=identity_service.team_members(db, t.id))
        for t in identity_service.list_teams(db)
    ]


@guarded.post("/teams", status_code=201, responses=_ERRORS)
def create_team(
    payload: TeamCreate, caller: Annotated[Principal, require(TEAMS_MANAGE)], db: DbSession
) -> TeamRead:
    team = identity_service.create_team(db, actor=caller.actor, name=payload.name,
                                        description=payload.description)
    return TeamRead(id=team.id, name=team.name, description=team.description, members=[])


@guarded.post("/teams/{team_id}/members", status_code=204, responses=_ERRORS)
def add_team_member(
    team_id: str, payload: TeamMemberAdd, caller: Annotated[Principal, require(TEAMS_MANAGE)],
    db: DbSession,
) -> None:
    identity_service.add_team_member(db, actor=caller.actor, team_id=team_id,
                                     username=payload.username)


@guarded.get("/api-keys", dependencies=[require(APIKEYS_MANAGE)])
def list_api_keys(db: DbSession) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(key) for key in identity_service.list_api_keys(db)]


@guarded.post("/api-keys", status_code=201, responses=_ERRORS)
def create_api_key(
    payload: ApiKeyCreate, caller: Annotated[Principal, require(APIKEYS_MANAGE)], db: DbSession
) -> ApiKeyCreated:
    raw_key, key = identity_service.create_api_key(
        db, actor=caller.actor, name=payload.name, scopes=payload.scopes,
        owner_user_id=caller.user_id, expires_at=payload.expires_at,
    )
    return ApiKeyCreated(key=raw_key, **ApiKeyRead.model_validate(key).model_dump())


@guarded.post("/api-keys/{key_id}/revoke", responses=_ERRORS)
def revoke_api_key(
    key_id: str, caller: Annotated[Principal, require(APIKEYS_MANAGE)], db: DbSession
) -> ApiKeyRead:
    return ApiKeyRead.model_validate(
        identity_service.revoke_api_key(db, actor=caller.actor, key_id=key_id)
    )


@guarded.get("/audit/entries", dependencies=[require(AUDIT_READ)])
def audit_entries(
    db: DbSession,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntryRead]:
    """Newest first; page with ``before_seq``."""
    entries = identity_service.list_audit_entries(
        db, entity_type=entity_type, entity_id=entity_id, actor=actor, before_seq=before_seq,
        limit=limit,
    )
    return [AuditEntryRead.model_validate(entry) for entry in entries]


@guarded.post("/audit/verify", dependencies=[require(AUDIT_VERIFY)])
def verify_audit(db: DbSession) -> AuditVerifyOut:
    report = audit.verify(db)
    return AuditVerifyOut(
        ok=report.ok, entries_checked=report.entries_checked,
        breaks=[{"seq": b.seq, "reason": b.reason} for b in report.breaks],
    )


router.include_router(guarded)  # last: a router's routes are copied when it is included
