"""Identity services: users, roles, teams, sign-in with a second factor, sessions, API keys.

Other modules use it as ``from paytrust.platform.identity import service as identity_service``.
"""

from paytrust.platform.identity.service._common import find_user, get_user, user_roles
from paytrust.platform.identity.service.apikeys import (
    authenticate_api_key,
    create_api_key,
    find_api_key,
    list_api_keys,
    revoke_api_key,
)
from paytrust.platform.identity.service.audit_trail import list_audit_entries
from paytrust.platform.identity.service.authentication import (
    LoginResult,
    TotpEnrolment,
    authenticate_password,
    authenticate_session_token,
    confirm_first_totp_enrolment,
    confirm_totp_enrolment,
    create_session,
    end_session,
    start_first_totp_enrolment,
    start_totp_enrolment,
    verify_second_factor,
)
from paytrust.platform.identity.service.pending_sign_in import issue_mfa_token, redeem_mfa_token
from paytrust.platform.identity.service.users import (
    add_team_member,
    create_team,
    create_user,
    list_teams,
    list_users,
    reset_second_factor,
    set_disabled,
    set_roles,
    set_user_locale,
    team_members,
    unlock_user,
)

__all__ = [
    "LoginResult",
    "TotpEnrolment",
    "add_team_member",
    "authenticate_api_key",
    "authenticate_password",
    "authenticate_session_token",
    "confirm_first_totp_enrolment",
    "confirm_totp_enrolment",
    "create_api_key",
    "create_session",
    "create_team",
    "create_user",
    "end_session",
    "find_api_key",
    "find_user",
    "get_user",
    "issue_mfa_token",
    "list_api_keys",
    "list_audit_entries",
    "list_teams",
    "list_users",
    "redeem_mfa_token",
    "reset_second_factor",
    "revoke_api_key",
    "set_disabled",
    "set_roles",
    "set_user_locale",
    "start_first_totp_enrolment",
    "start_totp_enrolment",
    "team_members",
    "unlock_user",
    "user_roles",
    "verify_second_factor",
]
