"""A risk analyst edits rules and watches live decisions in a real browser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from paytrust.platform.db import Database, utcnow
from paytrust.platform.identity.permissions import Role
from paytrust.risk import service as risk_service
from paytrust.risk.permissions import TRANSACTIONS_SCORE
from paytrust.risk.training import (
    Example,
    TrainedModel,
    replay_features,
    time_split,
    train_model,
)
from paytrust.simulator import SimulationConfig, simulate, write_file
from paytrust.simulator.config import DEFAULT_RATES
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


@pytest.fixture(scope="module")
def small_model() -> TrainedModel:
    """A quick model on a small world with plenty of fraud (quality is not the point here)."""
    rates = {name: rate * 30 for name, rate in DEFAULT_RATES.items()}
    world = SimulationConfig(customers=150, days=10, seed=21, typology_rates=rates)
    examples = [Example(row.transaction, row.is_fraud, row.typology) for row in simulate(world)]
    train, test = time_split(replay_features(examples), train_fraction=0.7)
    return train_model(train, test, version="test-model-1", rounds=20)


def test_analyst_promotes_a_model_and_backtests_history_against_it(
    page: Page, live_server: str, database: Database, small_model: TrainedModel,
    tmp_path: Path,
) -> None:
    with database.session_scope() as session:
        risk_service.save_model_version(session, actor="user:ana", model=small_model.model,
                                        metrics=small_model.metrics, now=utcnow())
    history = tmp_path / "history.parquet"
    write_file(SimulationConfig(customers=40, days=2, seed=9), history)
    sign_in_as_analyst(page, live_server, database)
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Models").click()
    page.once("dialog", lambda dialog: dialog.accept())  # the confirmation before promoting
    page.locator("tr[data-model='test-model-1']").get_by_role(
        "button", name="Promote to champion").click()
    expect(page.get_by_text("The model is now the champion")).to_be_visible()
    expect(page.locator("[data-serving='champion']")).to_have_text("test-model-1")

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Backtest").click()
    page.get_by_label("Labelled history").set_input_files(history)
    page.get_by_label("Candidate model").select_option("none")
    page.get_by_role("button", name="Run backtest").click()
    metrics = page.locator("[data-backtest-metrics]")
    expect(metrics).to_contain_text("default-pack + test-model-1")  # the champion's column
    expect(page.locator("[data-metric='transactions'] td").first).not_to_have_text("0")
