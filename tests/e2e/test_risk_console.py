"""A risk analyst edits rules and watches live decisions in a real browser."""

from __future__ import annotations

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from paytrust.platform.db import Database
from paytrust.platform.identity.permissions import Role
from paytrust.risk.permissions import TRANSACTIONS_SCORE
from tests.e2e.test_console_sign_in import sign_in_with_password
from tests.platform.identity.factories import make_api_key, make_user
from tests.risk.factories import json_transaction
from tests.risk.test_views import BROKEN_RULESET, FIXED_RULESET

pytestmark = pytest.mark.e2e


def sign_in_as_analyst(page: Page, base_url: str, database: Database) -> None:
    with database.session_scope() as session:
        user, totp_secret = make_user(session, roles=[Role.RISK_ANALYST], mfa=True)
        username = user.username
    assert totp_secret is not None
    sign_in_with_password(page, base_url, username)
    page.get_by_label("Verification code").fill(pyotp.TOTP(totp_secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{base_url}/console")


def test_analyst_fixes_a_broken_rule_and_saves_it_as_a_version(
    page: Page, live_server: str, database: Database
) -> None:
    sign_in_as_analyst(page, live_server, database)
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Rules").click()
    editor = page.get_by_label("Rule set (YAML)")
    editor.fill(BROKEN_RULESET)
    page.get_by_role("button", name="Validate").click()
    error_link = page.locator("[data-rule-errors] a[data-line='6']")
    expect(error_link).to_contain_text("line 6, column")
    expect(page.locator(".code-editor__error")).to_have_text(["6"])  # the gutter marks it
    error_link.click()
    expect(editor).to_be_focused()

    page.get_by_label("Rule set (YAML)").fill(FIXED_RULESET)
    page.get_by_placeholder("What changed and why").fill("big amounts review")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("The rule set was saved as a new version.")).to_be_visible()
    expect(page.locator("tr[data-version='1']")).to_contain_text("big amounts review")


def test_live_stream_shows_transactions_scored_after_it_opened(
    page: Page, live_server: str, database: Database
) -> None:
    with database.session_scope() as session:
        api_key = make_api_key(session, scopes=[TRANSACTIONS_SCORE])
    sign_in_as_analyst(page, live_server, database)
    page.goto(f"{live_server}/console/risk/decisions")
    rows = page.locator("[data-decision-stream] tr")
    expect(rows).to_have_count(0)
    for n in range(3):
        scored = httpx.post(f"{live_server}/api/v1/transactions",
                            json=json_transaction(transaction_id=f"live-{n}"),
                            headers={"x-api-key": api_key})
        assert scored.status_code == 200, scored.text
    expect(rows).to_have_count(3, timeout=15_000)  # the recorder batches, the page polls
    expect(rows.first.locator(".badge")).to_have_count(1)
    expect(rows.first).to_contain_text("ms")
