"""Identity API input and output."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from paytrust.platform.identity.permissions import Role


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginChallenge(BaseModel):
    mfa_token: str = Field(description="Send it with a TOTP or recovery code to /auth/mfa")
    mfa_enrolled: bool


class MfaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str
    code: str = Field(min_length=6, max_length=20)


class SessionOut(BaseModel):
    session_token: str
    expires_at: datetime


class FirstEnrolmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str


class FirstEnrolmentOut(SessionOut):
    recovery_codes: list[str] = Field(description="Shown this once; each works once")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=1024)
    roles: list[Role] = Field(min_length=1)
    locale: str = "en"


class UserRead(BaseModel):
    id: str
    username: str
    email: str
    display_name: str
    locale: str
    disabled: bool
    roles: list[str]
    mfa_enrolled: bool
    locked_until: datetime | None
    created_at: datetime


class RolesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(min_length=1)


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)


class TeamRead(BaseModel):
    id: str
    name: str
    description: str
    members: list[str]


class TeamMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1)
    expires_at: datetime | None = None


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The raw key. It is shown this once and cannot be recovered.")


class TotpEnrolmentOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class TotpConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=6, max_length=10)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before_json: str | None
    after_json: str | None


class AuditVerifyOut(BaseModel):
    ok: bool
    entries_checked: int
    breaks: list[dict[str, object]]
