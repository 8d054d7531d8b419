"""Identity over HTTP: sign-in with a second factor, cookies, users, API keys, audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.db import Database
from paytrust.platform.errors import PROBLEM_MEDIA_TYPE
from paytrust.platform.identity.deps import SESSION_COOKIE
from paytrust.platform.identity.models import ApiKey

from .factories import PASSWORD, make_user, signed_in_client

LOGIN = "/api/v1/auth/login"
MFA = "/api/v1/auth/mfa"
ME = "/api/v1/auth/me"


def _problem(response: Response, status: int, code: str) -> dict[str, Any]:
    """The RFC 9457 body of ``response``, checked for shape, status and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.url.path
    return body


def _mfa_token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post(LOGIN, json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["mfa_token"]
    return token


def _admin_client(client: TestClient, session: Session) -> TestClient:
    admin, secret = make_user(session, roles=["admin"], username="root")
    session.commit()
    assert secret is not None
    return signed_in_client(client, admin, secret)


def test_password_then_totp_opens_a_session_cookie(client: TestClient, session: Session) -> None:
    user, secret = make_user(session, roles=["auditor"])
    session.commit()
    assert secret is not None
    login = client.post(LOGIN, json={"username": user.username, "password": PASSWORD})
    assert login.json()["mfa_enrolled"] is True
    assert SESSION_COOKIE not in login.headers.get("set-cookie", "")

    answer = client.post(MFA, json={"mfa_token": login.json()["mfa_token"],
                                    "code": pyotp.TOTP(secret).now()})

    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # test mode runs on plain loopback
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert me.json()["roles"] == ["auditor"]


def test_session_cookie_is_secure_outside_demo_and_test(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"environment": "production"})
    user, secret = make_user(session)
    session.commit()
    assert secret is not None
    answer = client.post(MFA, json={"mfa_token": _mfa_token(client, user.username),
                                    "code": pyotp.TOTP(secret).now()})
    assert "secure" in answer.headers["set-cookie"].lower()


def test_signing_out_ends_the_session(client: TestClient, session: Session) -> None:
    user, secret = make_user(session)
    session.commit()
    assert secret is not None
    signed_in_client(client, user, secret)
    token = client.cookies[SESSION_COOKIE]
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.set(SESSION_COOKIE, token)  # a copy of the cookie no longer works either
    _problem(client.get(ME), 401, "unauthenticated")


def test_no_credentials_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/users")
    _problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_password_and_unknown_user_look_the_same(
    client: TestClient, session: Session
) -> None:
    user, _ = make_user(session)
    session.commit()
    wrong = _problem(client.post(LOGIN, json={"username": user.username, "password": "nope"}),
                     401, "unauthenticated")
    unknown = _problem(client.post(LOGIN, json={"username": "ghost", "password": "nope"}),
                       401, "unauthenticated")
    assert wrong["detail"] == unknown["detail"]


def test_failed_sign_ins_lock_the_account_although_each_request_fails(
    client: TestClient, session: Session
) -> None:
    user, _ = make_user(session)
    session.commit()
    attempts = [client.post(LOGIN, json={"username": user.username, "password": "wrong"})
                for _ in range(5)]
    assert [a.status_code for a in attempts] == [401, 401, 401, 401, 423]
    _problem(attempts[-1], 423, "account-locked")
    right = client.post(LOGIN, json={"username": user.username, "password": PASSWORD})
    _problem(right, 423, "account-locked")


def test_wrong_second_factor_codes_count_towards_the_lockout(
    client: TestClient, session: Session
) -> None:
    user, secret = make_user(session)
    session.commit()
    assert secret is not None
    token = _mfa_token(client, user.username)
    codes = [client.post(MFA, json={"mfa_token": token, "code": "000000"}) for _ in range(5)]
    assert [c.status_code for c in codes] == [401, 401, 401, 401, 423]
    right = client.post(MFA, json={"mfa_token": token, "code": pyotp.TOTP(secret).now()})
    _problem(right, 423, "account-locked")


def test_forged_or_damaged_mfa_token_is_refused(client: TestClient, session: Session) -> None:
    user, secret = make_user(session)
    session.commit()
    assert secret is not None
    token = _mfa_token(client, user.username)
    body, _, mac = token.rpartition(".")
    forged = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    problem = _problem(client.post(MFA, json={"mfa_token": forged,
                                              "code": pyotp.TOTP(secret).now()}),
                       401, "unauthenticated")
    assert problem["field"] == "mfa_token"


def test_invalid_payload_is_a_422_problem_naming_the_field(client: TestClient) -> None:
    problem = _problem(client.post(LOGIN, json={"username": "someone"}), 422, "invalid-payload")
    assert problem["field"] == "password"


def test_disabled_user_is_shut_out_at_once(client: TestClient, session: Session) -> None:
    user, secret = make_user(session, roles=["auditor"])
    session.commit()
    assert secret is not None
    victim = signed_in_client(TestClient(client.app), user, secret)
    admin = _admin_client(client, session)

    disabled = admin.post(f"/api/v1/users/{user.username}/disable")

    assert disabled.json()["disabled"] is True
    _problem(victim.get(ME), 401, "unauthenticated")
    _problem(victim.post(LOGIN, json={"username": user.username, "password": PASSWORD}),
             401, "unauthenticated")
    assert admin.post(f"/api/v1/users/{user.username}/enable").json()["disabled"] is False


def test_admin_creates_a_user_changes_roles_and_both_are_audited(
    client: TestClient, session: Session, database: Database
) -> None:
    admin = _admin_client(client, session)
    payload = {"username": "lin", "email": "lin@example.test", "display_name": "Lin",
               "password": "a long enough password", "roles": ["support_agent"]}
    created = admin.post("/api/v1/users", json=payload)
    assert created.status_code == 201, created.text
    assert created.json()["mfa_enrolled"] is False
    assert "password" not in created.text
    _problem(admin.post("/api/v1/users", json=payload), 409, "conflict")

    roles = admin.put("/api/v1/users/lin/roles", json={"roles": ["manager", "trainer"]})

    assert roles.json()["roles"] == ["manager", "trainer"]
    assert {u["username"] for u in admin.get("/api/v1/users").json()} == {"root", "lin"}
    _problem(admin.put("/api/v1/users/nobody/roles", json={"roles": ["admin"]}),
             404, "not-found")
    entries = admin.get("/api/v1/audit/entries", params={"entity_id": created.json()["id"]})
    actions = [(e["actor"], e["action"]) for e in entries.json()]
    assert actions == [("user:root", "identity.user.roles_changed"),
                       ("user:root", "identity.user.created")]


def test_unknown_role_is_refused(client: TestClient, session: Session) -> None:
    admin = _admin_client(client, session)
    payload = {"username": "kai", "email": "kai@example.test", "display_name": "Kai",
               "password": "a long enough password", "roles": ["superuser"]}
    _problem(admin.post("/api/v1/users", json=payload), 422, "invalid-payload")


def test_teams_are_created_and_listed_with_members(client: TestClient, session: Session) -> None:
    admin = _admin_client(client, session)
    team = admin.post("/api/v1/teams", json={"name": "Fraud desk"})
    assert team.status_code == 201
    added = admin.post(f"/api/v1/teams/{team.json()['id']}/members", json={"username": "root"})
    assert added.status_code == 204
    assert admin.get("/api/v1/teams").json() == [
        {"id": team.json()["id"], "name": "Fraud desk", "description": "", "members": ["root"]}
    ]
    _problem(admin.post("/api/v1/teams", json={"name": "Fraud desk"}), 409, "conflict")


def test_api_key_is_shown_once_and_stops_working_when_revoked(
    client: TestClient, session: Session, database: Database
) -> None:
    admin = _admin_client(client, session)
    created = admin.post("/api/v1/api-keys",
                         json={"name": "acquirer", "scopes": ["risk.outcomes.write"]})
    assert created.status_code == 201, created.text
    raw_key = created.json()["key"]
    listing = admin.get("/api/v1/api-keys")
    assert raw_key not in listing.text
    assert [k["prefix"] for k in listing.json()] == [created.json()["prefix"]]
    with database.read_session() as reader:
        assert reader.scalars(select(ApiKey.secret_hash)).one() != raw_key

    integrator = TestClient(client.app)
    outcome = "/api/v1/transactions/unknown-transaction/outcome"
    in_scope = integrator.post(outcome, json={}, headers={"x-api-key": raw_key})
    assert in_scope.status_code == 422  # authenticated and authorised; the payload is empty
    out_of_scope = integrator.get("/api/v1/users", headers={"authorization": f"Bearer {raw_key}"})
    _problem(out_of_scope, 403, "permission-denied")
    assert admin.get("/api/v1/api-keys").json()[0]["last_used_at"] is not None

    revoked = admin.post(f"/api/v1/api-keys/{created.json()['id']}/revoke")

    assert revoked.json()["revoked_at"] is not None
    _problem(integrator.post(outcome, json={}, headers={"x-api-key": raw_key}),
             401, "unauthenticated")


def test_api_key_with_a_scope_keys_cannot_hold_is_refused(
    client: TestClient, session: Session
) -> None:
    admin = _admin_client(client, session)
    response = admin.post("/api/v1/api-keys",
                          json={"name": "too much", "scopes": ["identity.users.manage"]})
    assert _problem(response, 400, "validation-failed")["field"] == "scopes"


def test_expired_api_key_is_refused(client: TestClient, session: Session) -> None:
    admin = _admin_client(client, session)
    soon = datetime.now(UTC) + timedelta(milliseconds=1)
    raw_key = admin.post("/api/v1/api-keys", json={
        "name": "short-lived", "scopes": ["risk.outcomes.write"], "expires_at": soon.isoformat(),
    }).json()["key"]
    response = TestClient(client.app).post("/api/v1/transactions/x/outcome", json={},
                                           headers={"x-api-key": raw_key})
    assert "expired" in _problem(response, 401, "unauthenticated")["detail"]


def test_signed_in_user_re_enrols_the_second_factor(client: TestClient, session: Session) -> None:
    user, secret = make_user(session)
    session.commit()
    assert secret is not None
    signed_in_client(client, user, secret)
    enrolment = client.post("/api/v1/auth/mfa/enrolment")
    assert enrolment.json()["otpauth_uri"].startswith("otpauth://totp/PayTrust:")
    assert "<svg" in enrolment.json()["qr_svg"]
    new_secret = enrolment.json()["secret"]
    _problem(client.post("/api/v1/auth/mfa/enrolment/confirm", json={"code": "000000"}),
             401, "unauthenticated")

    confirmed = client.post("/api/v1/auth/mfa/enrolment/confirm",
                            json={"code": pyotp.TOTP(new_secret).now()})

    assert len(confirmed.json()["recovery_codes"]) == 10
    token = _mfa_token(client, user.username)
    recovery = confirmed.json()["recovery_codes"][0]
    assert client.post(MFA, json={"mfa_token": token, "code": recovery}).status_code == 200
    _problem(client.post(MFA, json={"mfa_token": token, "code": recovery}),
             401, "unauthenticated")


def test_audit_trail_is_listed_newest_first_and_verified(
    client: TestClient, session: Session, database: Database
) -> None:
    admin = _admin_client(client, session)
    entries = admin.get("/api/v1/audit/entries", params={"limit": 2}).json()
    assert len(entries) == 2
    assert entries[0]["seq"] > entries[1]["seq"]
    older = admin.get("/api/v1/audit/entries", params={"before_seq": entries[1]["seq"]}).json()
    assert all(e["seq"] < entries[1]["seq"] for e in older)
    assert admin.post("/api/v1/audit/verify").json()["ok"] is True
    with database.session_scope() as writer:
        newest = writer.scalars(
            select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc()).limit(1)
        ).one()
        newest.actor = "user:mallory"
    report = admin.post("/api/v1/audit/verify").json()
    assert report["ok"] is False
    assert report["breaks"][0]["reason"].endswith("entry edited")


@pytest.mark.parametrize("role", ["auditor", "manager"])
def test_readers_see_users_but_cannot_change_them(
    role: str, client: TestClient, session: Session
) -> None:
    reader, secret = make_user(session, roles=[role])
    session.commit()
    assert secret is not None
    signed_in_client(client, reader, secret)
    assert client.get("/api/v1/users").status_code == 200
    _problem(client.post(f"/api/v1/users/{reader.username}/disable"), 403, "permission-denied")


def test_first_sign_in_enrols_the_second_factor_and_opens_the_session(
    client: TestClient, session: Session
) -> None:
    user, _ = make_user(session, mfa=False)
    session.commit()
    login = client.post(LOGIN, json={"username": user.username, "password": PASSWORD})
    assert login.json()["mfa_enrolled"] is False
    token = login.json()["mfa_token"]
    _problem(client.post(MFA, json={"mfa_token": token, "code": "000000"}),
             401, "unauthenticated")
    enrolment = client.post("/api/v1/auth/mfa/first-enrolment", json={"mfa_token": token})
    secret = enrolment.json()["secret"]

    confirmed = client.post("/api/v1/auth/mfa/first-enrolment/confirm",
                            json={"mfa_token": token, "code": pyotp.TOTP(secret).now()})

    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert client.get(ME).json()["mfa_enrolled"] is True
    again = client.post("/api/v1/auth/mfa/first-enrolment", json={"mfa_token": token})
    _problem(again, 409, "conflict")


def test_admin_unlocks_a_user_and_resets_a_lost_second_factor(
    client: TestClient, session: Session
) -> None:
    user, _ = make_user(session)
    session.commit()
    for _ in range(5):
        client.post(LOGIN, json={"username": user.username, "password": "wrong"})
    admin = _admin_client(client, session)
    locked = [u for u in admin.get("/api/v1/users").json() if u["username"] == user.username]
    assert locked[0]["locked_until"] is not None

    assert admin.post(f"/api/v1/users/{user.username}/unlock").json()["locked_until"] is None
    reset = admin.post(f"/api/v1/users/{user.username}/mfa/reset")

    assert reset.json()["mfa_enrolled"] is False
    signed_out = TestClient(client.app)
    login = signed_out.post(LOGIN, json={"username": user.username, "password": PASSWORD})
    assert login.json()["mfa_enrolled"] is False
