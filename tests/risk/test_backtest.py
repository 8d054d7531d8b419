"""Backtests: metrics computed right, and alert changes attributed to the rules behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from paytrust.cli import app as cli
from paytrust.platform.db import Database
from paytrust.platform.errors import NotFound
from paytrust.risk import service as risk_service
from paytrust.risk.backtest import (
    HistoryFileError,
    HistoryTooLong,
    LabelledCase,
    Metrics,
    read_history,
    run_backtest,
)
from paytrust.risk.engine.transaction import Channel, Transaction, TransactionType
from paytrust.simulator import SimulationConfig, simulate, write_file
from paytrust.simulator.config import DEFAULT_RATES

START = datetime(2026, 3, 1, tzinfo=UTC)


def _txn(number: int, amount_minor: int) -> Transaction:
    return Transaction(
        transaction_id=f"t{number}",
        occurred_at=START + timedelta(minutes=number),
        type=TransactionType.P2P_TRANSFER,
        amount_minor=amount_minor,
        currency="CNY",
        customer_id="c1",
        account_id="a1",
        channel=Channel.IN_APP,
        payee_id=f"p{number}",
    )


BIG_AMOUNT_RULES = """
ruleset: test
rules:
  - id: big_amount
    description: {en: "Big transfer", zh: "大额转账"}
    when: txn.amount >= 10000
    action: review
    severity: high
"""
NO_RULES = "ruleset: empty\nrules: []\n"


def test_metrics_on_a_hand_made_history() -> None:
    cases = [
        LabelledCase(_txn(1, 2_000_000), True, "app_scam"),  # CNY 20,000: fraud, alerted
        LabelledCase(_txn(2, 1_500_000), False, None),  # alerted, legitimate
        LabelledCase(_txn(3, 5_000), True, "card_testing"),  # fraud, missed
        LabelledCase(_txn(4, 5_000), False, None),
    ]
    report = run_backtest(cases, candidate_yaml=BIG_AMOUNT_RULES, champion_yaml=NO_RULES)
    metrics: Metrics = report.candidate
    assert (metrics.transactions, metrics.fraud, metrics.alerts, metrics.true_alerts) == (
        4,
        2,
        2,
        1,
    )
    assert metrics.precision == 0.5
    assert metrics.recall == 0.5
    assert metrics.alert_rate == 0.5
    assert metrics.caught_amount_cny == 20_000.0
    assert metrics.fraud_amount_cny == 20_050.0
    assert metrics.typology_recall("app_scam") == 1.0
    assert metrics.typology_recall("card_testing") == 0.0
    assert report.champion.alerts == 0
    change = report.rule_changes["big_amount"]
    assert (change.gained, change.lost) == (2, 0)
    assert change.samples[0] == "t1 (fraud)"


def test_swapping_sides_turns_gained_alerts_into_lost_ones() -> None:
    cases = [LabelledCase(_txn(1, 2_000_000), True, "app_scam")]
    report = run_backtest(cases, candidate_yaml=NO_RULES, champion_yaml=BIG_AMOUNT_RULES)
    assert report.rule_changes["big_amount"].lost == 1


THIRD_PAYMENT_RULES = """
ruleset: test
rules:
  - id: third_payment
    description: {en: "Third payment or later", zh: "第三笔及以后"}
    when: customer.history_count >= 2
    action: review
    severity: low
"""


def test_measure_from_counts_later_cases_on_state_warmed_by_earlier_ones() -> None:
    cases = [LabelledCase(_txn(n, 10_000), n == 3, "app_scam" if n == 3 else None)
             for n in (1, 2, 3)]
    report = run_backtest(cases, candidate_yaml=THIRD_PAYMENT_RULES, champion_yaml=NO_RULES,
                          measure_from=START + timedelta(minutes=3))
    assert (report.candidate.transactions, report.candidate.fraud) == (1, 1)
    assert report.candidate.true_alerts == 1  # the history before the cut was replayed
    assert report.champion.transactions == 1


def test_default_pack_catches_more_than_nothing_on_simulated_fraud() -> None:
    config = SimulationConfig(
        customers=400, days=6, seed=3, typology_rates={k: v * 30 for k, v in DEFAULT_RATES.items()}
    )
    cases = [LabelledCase(x.transaction, x.is_fraud, x.typology) for x in simulate(config)]
    report = run_backtest(
        cases, candidate_yaml=risk_service.default_pack_yaml(), champion_yaml=NO_RULES
    )
    assert report.candidate.fraud > 0
    assert report.candidate.true_alerts > 0
    assert report.champion.alerts == 0


def test_backtest_command_prints_the_side_by_side_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYTRUST_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    data = tmp_path / "history.parquet"
    write_file(SimulationConfig(customers=200, days=2, seed=8), data)
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(yaml.safe_dump(yaml.safe_load(BIG_AMOUNT_RULES)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["backtest", "--data", str(data), "--ruleset", str(candidate)])
    assert result.exit_code == 0, result.output
    assert "| precision |" in result.output
    assert "default-pack" in result.output


def test_backtest_command_reports_rule_errors_with_line_and_column(tmp_path: Path) -> None:
    candidate = tmp_path / "broken.yaml"
    candidate.write_text(BIG_AMOUNT_RULES.replace("txn.amount", "txn.amout"), encoding="utf-8")
    data = tmp_path / "history.parquet"
    write_file(SimulationConfig(customers=50, days=1, seed=8), data)
    result = CliRunner().invoke(cli, ["backtest", "--data", str(data), "--ruleset", str(candidate)])
    assert result.exit_code == 2
    assert "broken.yaml:6:11: unknown name" in result.output


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_history_files_are_read_back_in_time_order(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"history{suffix}"
    written = write_file(SimulationConfig(customers=30, days=2, seed=2), path)
    cases = read_history(path)
    assert len(cases) == written
    times = [case.transaction.occurred_at for case in cases]
    assert times == sorted(times)
    with pytest.raises(HistoryTooLong):
        read_history(path, max_rows=written - 1)


def test_a_history_row_with_a_naive_time_is_named(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    write_file(SimulationConfig(customers=20, days=1, seed=2), path)
    lines = path.read_bytes().splitlines()
    lines[2] = lines[2].replace(b'Z"', b'"', 1)  # the first timestamp loses its zone
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(HistoryFileError, match="row 3: occurred_at has no time zone"):
        read_history(path)


def test_contenders_are_chosen_by_name(database: Database) -> None:
    with database.session_scope() as session:
        risk_service.save_ruleset_version(
            session, actor="user:ana", name="test", yaml_text=BIG_AMOUNT_RULES, comment=None,
            now=datetime.now(UTC), activate=True)
    with database.read_session() as session:
        candidate, champion = risk_service.choose_contenders(session, ruleset="default",
                                                             model="none")
        saved, _ = risk_service.choose_contenders(session, ruleset="test@1", model=None)
        with pytest.raises(NotFound) as missing:
            risk_service.choose_contenders(session, ruleset="active", model="no-such-model")
    assert (champion.name, candidate.name, saved.name) == ("test@1", "default-pack", "test@1")
    assert saved.ruleset_yaml == BIG_AMOUNT_RULES
    assert missing.value.field == "model"


def test_backtest_command_takes_a_saved_rule_set_version(
    configured: None, database: Database, tmp_path: Path,
) -> None:
    with database.session_scope() as session:
        risk_service.save_ruleset_version(
            session, actor="user:ana", name="test", yaml_text=BIG_AMOUNT_RULES, comment=None,
            now=datetime.now(UTC))
    data = tmp_path / "history.parquet"
    write_file(SimulationConfig(customers=50, days=1, seed=8), data)
    result = CliRunner().invoke(cli, ["backtest", "--data", str(data), "--ruleset", "test@1"])
    assert result.exit_code == 0, result.output
    assert "| metric | test@1 | default-pack |" in result.output
    missing = CliRunner().invoke(cli, ["backtest", "--data", str(data), "--ruleset", "test@7"])
    assert missing.exit_code == 2
    assert "has no version 7" in missing.output
