"""Signing in to the console: password, TOTP enrolment or challenge, session, sign-out."""

from __future__ import annotations

import re

import httpx
import pyotp
from fastapi.testclient import TestClient

from paytrust.platform.db import Database
from paytrust.platform.identity.permissions import Role
from tests.console._pages import HTML, csrf_from, sign_in
from tests.platform.identity.factories import PASSWORD, make_user


def post_password(
    client: TestClient, username: str, password: str, next_url: str = "/console"
) -> httpx.Response:
    token = csrf_from(client, f"/console/login?next={next_url}")
    return client.post("/console/login", follow_redirects=False, headers=HTML, data={
        "csrf_token": token, "username": username, "password": password, "next": next_url})


def shown_secret(html: str) -> str:
    found = re.search(r"data-secret>([A-Z2-7]+)<", html)
    assert found is not None
    return found.group(1)


def test_wrong_password_shows_the_form_again_without_a_session(
    client: TestClient, database: Database
) -> None:
    with database.session_scope() as session:
        user, _ = make_user(session, roles=[Role.AUDITOR])
    response = post_password(client, user.username, "not the password")
    assert response.status_code == 401
    assert "The details you entered are not correct." in response.text
    assert f'value="{user.username}"' in response.text
    assert "paytrust_session" not in response.headers.get("set-cookie", "")


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    response = post_password(client, "nobody-here", "whatever")
    assert response.status_code == 401
    assert "The details you entered are not correct." in response.text


def test_repeated_failures_lock_the_account_with_a_clear_message(
    client: TestClient, database: Database
) -> None:
    with database.session_scope() as session:
        user, _ = make_user(session, roles=[Role.AUDITOR])
    statuses = [post_password(client, user.username, "wrong").status_code for _ in range(5)]
    locked = post_password(client, user.username, PASSWORD)
    assert statuses[0] == 401
    assert locked.status_code == 423
    assert "This account is locked" in locked.text


def test_password_then_totp_opens_a_session_and_returns_to_the_asked_page(
    client: TestClient, database: Database
) -> None:
    with database.session_scope() as session:
        user, secret = make_user(session, roles=[Role.AUDITOR])
    step = post_password(client, user.username, PASSWORD, next_url="/console/audit")
    assert step.status_code == 303
    assert step.headers["location"] == "/console/login/mfa"
    assert "paytrust_session" not in step.headers["set-cookie"]

    token = csrf_from(client, "/console/login/mfa")
    wrong = client.post("/console/login/mfa", headers=HTML,
                        data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 401
    assert secret is not None
    done = client.post("/console/login/mfa", follow_redirects=False,
                       data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 303
    assert done.headers["location"] == "/console/audit"
    session_cookie = next(c for c in done.headers.get_list("set-cookie")
                          if c.startswith("paytrust_session="))
    assert "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()
    assert client.get("/console/audit", headers=HTML).status_code == 200


def test_first_sign_in_enrols_totp_then_shows_recovery_codes(
    client: TestClient, database: Database
) -> None:
    with database.session_scope() as session:
        user, _ = make_user(session, roles=[Role.SUPPORT_AGENT], mfa=False)
    step = post_password(client, user.username, PASSWORD)
    assert step.headers["location"] == "/console/login/enrol"
    assert client.get("/console/login/mfa", follow_redirects=False).status_code == 303

    token = csrf_from(client, "/console/login/enrol")
    page = client.get("/console/login/enrol", headers=HTML)
    assert "<svg" in page.text
    secret = shown_secret(page.text)
    assert re.search(r"otpauth://totp/[^<]*secret=" + secret, page.text)

    wrong = client.post("/console/login/enrol", headers=HTML,
                        data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400
    assert "That code did not match" in wrong.text
    secret = shown_secret(wrong.text)  # the page shows the key to use now

    confirmed = client.post("/console/login/enrol", headers=HTML,
                            data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([^<]+)</code></li>", confirmed.text)
    assert len(codes) >= 5
    assert client.get("/console", headers=HTML).status_code == 200


def test_signed_in_page_uses_the_users_language_preference(
    client: TestClient, database: Database
) -> None:
    with database.session_scope() as session:
        user, secret = make_user(session, roles=[Role.SUPPORT_AGENT])
    assert secret is not None
    sign_in(client, user.username, PASSWORD, secret)
    token = csrf_from(client, "/console/profile")
    saved = client.post("/console/profile", follow_redirects=False,
                        data={"csrf_token": token, "locale": "zh_Hant"})
    assert saved.headers["location"] == "/console/profile?saved=true"
    client.cookies.delete("paytrust_locale")
    page = client.get("/console", headers={**HTML, "accept-language": "en"})
    assert f"歡迎，{user.username}" in page.text


def test_role_without_permission_sees_a_forbidden_page_not_the_data(
    client: TestClient, database: Database
) -> None:
    with database.session_scope() as session:
        user, secret = make_user(session, roles=[Role.SUPPORT_AGENT])
    assert secret is not None
    sign_in(client, user.username, PASSWORD, secret)
    page = client.get("/console/audit", headers=HTML)
    assert page.status_code == 403
    assert "Not allowed" in page.text
    assert 'data-nav="dashboard"' in page.text
    problem = client.get("/console/audit", headers={"accept": "application/json"})
    assert problem.json()["type"] == "/problems/permission-denied"


def test_dashboard_shows_tiles_by_role(client: TestClient, database: Database) -> None:
    with database.session_scope() as session:
        auditor, secret = make_user(session, roles=[Role.AUDITOR])
    assert secret is not None
    sign_in(client, auditor.username, PASSWORD, secret)
    page = client.get("/console", headers=HTML)
    assert 'data-tile="audit_total"' in page.text
    assert "Auditor" in page.text


def test_sign_out_ends_the_session(client: TestClient, database: Database) -> None:
    with database.session_scope() as session:
        user, secret = make_user(session, roles=[Role.MANAGER])
    assert secret is not None
    sign_in(client, user.username, PASSWORD, secret)
    token = csrf_from(client, "/console")
    old_session = client.cookies["paytrust_session"]
    out = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.headers["location"] == "/console/login"
    client.cookies.set("paytrust_session", old_session)  # a replayed cookie is dead too
    again = client.get("/console", headers=HTML, follow_redirects=False)
    assert again.headers["location"].startswith("/console/login")
