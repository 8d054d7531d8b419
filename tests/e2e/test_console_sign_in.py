"""A staff member signs in with password and TOTP in a real browser and uses the console."""

from __future__ import annotations

import os
import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from paytrust.platform.db import Database
from paytrust.platform.identity.permissions import Role
from tests.platform.identity.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

# Set PAYTRUST_E2E_SCREENSHOT=/path.png to look at the dashboard (never committed).
SCREENSHOT = os.environ.get("PAYTRUST_E2E_SCREENSHOT")


def sign_in_with_password(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/console")
    expect(page).to_have_url(re.compile(r"/console/login\?next=%2Fconsole$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_staff_member_signs_in_with_totp_and_works_in_three_languages(
    page: Page, live_server: str, database: Database
) -> None:
    with database.session_scope() as session:
        user, totp_secret = make_user(session, roles=[Role.SUPPORT_AGENT], mfa=True)
        username = user.username
    assert totp_secret is not None

    sign_in_with_password(page, live_server, username)
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    page.get_by_label("Verification code").fill(pyotp.TOTP(totp_secret).now())
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(f"{live_server}/console")
    expect(page.get_by_role("heading", name=f"Welcome, {username}")).to_be_visible()
    expect(page.locator(".page-lead .badge")).to_have_text(["Support agent"])
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link")).to_have_text(["Dashboard", "Profile"])  # no audit trail
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_label("Language").select_option(label="简体中文")
    expect(page.get_by_role("heading", name=f"欢迎，{username}")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link")).to_have_text(
        ["仪表板", "个人资料"]
    )

    page.get_by_label("语言").select_option(label="繁體中文")
    expect(page.get_by_role("heading", name=f"歡迎，{username}")).to_be_visible()
    page.get_by_role("link", name="個人資料").click()
    expect(page.get_by_label("偏好語言")).to_have_value("zh_Hant")

    page.get_by_role("button", name="登出").click()
    expect(page.get_by_role("heading", name="登入")).to_be_visible()
    page.goto(f"{live_server}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))


def test_first_sign_in_enrols_totp_and_shows_recovery_codes_once(
    page: Page, live_server: str, database: Database
) -> None:
    with database.session_scope() as session:
        user, _ = make_user(session, roles=[Role.AUDITOR], mfa=False)
        username = user.username

    sign_in_with_password(page, live_server, username)
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    otpauth_uri = page.locator("[data-otpauth-uri]").inner_text()
    secret = page.locator("[data-secret]").inner_text()
    assert otpauth_uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in otpauth_uri

    page.get_by_label("Verification code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) >= 5
    assert len(set(codes)) == len(codes)

    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page).to_have_url(f"{live_server}/console")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link")).to_have_text(
        ["Dashboard", "Live decisions", "Models", "Audit trail", "Profile"])
    page.reload()  # the codes are gone for good: the dashboard, not the codes, is shown
    expect(page.locator("[data-recovery-codes]")).to_have_count(0)
