"""Backtesting: replay labelled history in time order through a candidate (rule set and,
optionally, model) and the champion, side by side, and say what the candidate would have
caught and what it changes.

Both run the same engine code as live scoring, each with its own in-memory entity state, so
features are exactly what they would have been online.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pyarrow as pa

from paytrust.risk.engine.engine import Engine, ScoreResult
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.features.vocabulary import VOCABULARY
from paytrust.risk.engine.lists import load_high_risk_countries, load_lists
from paytrust.risk.engine.model import ScoringModel
from paytrust.risk.engine.rules import compile_ruleset, parse_ruleset
from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR, Transaction
from paytrust.risk.engine.verdict import Decision

ALERTING = (Decision.REVIEW, Decision.BLOCK)
SAMPLE_IDS = 3


@dataclass(frozen=True)
class LabelledCase:
    transaction: Transaction
    is_fraud: bool
    typology: str | None


@dataclass
class Metrics:
    transactions: int = 0
    fraud: int = 0
    alerts: int = 0
    true_alerts: int = 0
    challenges: int = 0
    fraud_amount_cny: float = 0.0
    caught_amount_cny: float = 0.0
    fraud_by_typology: Counter[str] = field(default_factory=Counter)
    caught_by_typology: Counter[str] = field(default_factory=Counter)

    def count(self, case: LabelledCase, result: ScoreResult) -> bool:
        """Add one decision; returns whether it raised an alert."""
        amount = result.features.get("txn.amount")  # in CNY
        amount = float(amount) if isinstance(amount, int | float) else 0.0
        alerted = result.decision in ALERTING
        self.add(case, amount, alerted=alerted,
                 challenged=result.decision is Decision.CHALLENGE)
        return alerted

    def add(self, case: LabelledCase, amount_cny: float, *, alerted: bool,
            challenged: bool = False) -> None:
        """Add one outcome of any detector (a decision, or a dataset's own fraud flag)."""
        self.transactions += 1
        self.alerts += alerted
        self.challenges += challenged
        if case.is_fraud:
            typology = case.typology or "unlabelled"
            self.fraud += 1
            self.fraud_amount_cny += amount_cny
            self.fraud_by_typology[typology] += 1
            if alerted:
                self.true_alerts += 1
                self.caught_amount_cny += amount_cny
                self.caught_by_typology[typology] += 1

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 0.0

    @property
    def recall(self) -> float:
        return self.true_alerts / self.fraud if self.fraud else 0.0

    @property
    def alert_rate(self) -> float:
        return self.alerts / self.transactions if self.transactions else 0.0

    @property
    def challenge_rate(self) -> float:
        return self.challenges / self.transactions if self.transactions else 0.0

    def typology_recall(self, typology: str) -> float:
        total = self.fraud_by_typology[typology]
        return self.caught_by_typology[typology] / total if total else 0.0


@dataclass
class RuleChange:
    """Alerts a rule gains (candidate alerts, champion did not) or loses (the reverse)."""

    gained: int = 0
    lost: int = 0
    samples: list[str] = field(default_factory=list)


@dataclass
class BacktestReport:
    candidate_name: str
    champion_name: str
    candidate: Metrics
    champion: Metrics
    rule_changes: dict[str, RuleChange]


class _Replayer:
    def __init__(self, ruleset_yaml: str, model: ScoringModel | None) -> None:
        self.engine = Engine(
            compile_ruleset(parse_ruleset(ruleset_yaml), VOCABULARY),
            load_lists((), high_risk_countries=load_high_risk_countries()), model,
        )
        self.tables = FeatureTables()

    def score(self, txn: Transaction) -> ScoreResult:
        return self.engine.score_in_place([txn], self.tables, None)[0]


def run_backtest(
    cases: Iterable[LabelledCase],
    *,
    candidate_yaml: str,
    champion_yaml: str,
    candidate_name: str = "candidate",
    champion_name: str = "champion",
    candidate_model: ScoringModel | None = None,
    champion_model: ScoringModel | None = None,
    measure_from: datetime | None = None,
) -> BacktestReport:
    """Replay ``cases`` (in time order) through both contenders (rule set and model).

    With ``measure_from``, earlier cases only warm the entity state (velocities, habits,
    known devices), as they would have online, and metrics count the later ones: the way to
    measure a model on the period after the one it was trained on.
    """
    candidate = _Replayer(candidate_yaml, candidate_model)
    champion = _Replayer(champion_yaml, champion_model)
    report = BacktestReport(
        candidate_name, champion_name, Metrics(), Metrics(), defaultdict(RuleChange)
    )
    for case in cases:
        ours, theirs = candidate.score(case.transaction), champion.score(case.transaction)
        if measure_from is not None and case.transaction.occurred_at < measure_from:
            continue
        alerted, champion_alerted = (
            report.candidate.count(case, ours),
            report.champion.count(case, theirs),
        )
        if alerted != champion_alerted:
            _attribute(report.rule_changes, case, ours if alerted else theirs, gained=alerted)
    report.rule_changes = dict(report.rule_changes)
    return report


def _attribute(
    changes: dict[str, RuleChange], case: LabelledCase, result: ScoreResult, *, gained: bool
) -> None:
    unnamed = "(model score)" if result.model_version else "(score threshold)"
    for rule_id in result.rules_hit or (unnamed,):
        change = changes[rule_id]
        if gained:
            change.gained += 1
        else:
            change.lost += 1
        if len(change.samples) < SAMPLE_IDS:
            label = f"{case.transaction.transaction_id}{' (fraud)' if case.is_fraud else ''}"
            change.samples.append(label)


def _row(label: str, candidate: str, champion: str) -> str:
    return f"| {label} | {candidate} | {champion} |"


def render_text(report: BacktestReport) -> str:
    """The report as Markdown tables: metrics side by side, per typology, rule changes."""
    c, h = report.candidate, report.champion
    lines = [
        _row("metric", report.candidate_name, report.champion_name),
        "|---|---:|---:|",
        _row("transactions", f"{c.transactions:,}", f"{h.transactions:,}"),
        _row("fraud (labelled)", f"{c.fraud:,}", f"{h.fraud:,}"),
        _row("alerts (review + block)", f"{c.alerts:,}", f"{h.alerts:,}"),
        _row("precision", f"{c.precision:.3f}", f"{h.precision:.3f}"),
        _row("recall", f"{c.recall:.3f}", f"{h.recall:.3f}"),
        _row("alert rate", f"{c.alert_rate:.4%}", f"{h.alert_rate:.4%}"),
        _row("challenge rate", f"{c.challenge_rate:.4%}", f"{h.challenge_rate:.4%}"),
        _row(
            "fraud amount caught (CNY)",
            f"{c.caught_amount_cny:,.0f} of {c.fraud_amount_cny:,.0f}",
            f"{h.caught_amount_cny:,.0f} of {h.fraud_amount_cny:,.0f}",
        ),
        "",
        _row("recall by typology", report.candidate_name, report.champion_name),
        "|---|---:|---:|",
    ]
    for typology in sorted(c.fraud_by_typology):
        lines.append(
            _row(
                typology, f"{c.typology_recall(typology):.3f}", f"{h.typology_recall(typology):.3f}"
            )
        )
    lines += ["", "| rule | alerts gained | alerts lost | examples |", "|---|---:|---:|---|"]
    for rule_id, change in sorted(report.rule_changes.items()):
        lines.append(
            f"| {rule_id} | {change.gained} | {change.lost} | {', '.join(change.samples)} |"
        )
    if not report.rule_changes:
        lines.append("| (no alert differs) | 0 | 0 | |")
    return "\n".join(lines)


def cases_in_time_order(cases: Iterable[LabelledCase]) -> list[LabelledCase]:
    """History files are not always sorted; replay must be."""
    return sorted(
        cases, key=lambda case: (case.transaction.occurred_at, case.transaction.transaction_id)
    )


class HistoryFileError(ValueError):
    """A labelled history file that cannot be replayed: what is wrong and, if known, where."""


class HistoryTooLong(HistoryFileError):
    """More transactions than the caller is willing to replay."""

    def __init__(self, max_rows: int) -> None:
        super().__init__(f"the file holds more than {max_rows:,} transactions")
        self.max_rows = max_rows


def _accepted_types(hint: Any) -> tuple[type, ...]:
    accepted = tuple(arg for arg in (get_args(hint) or (hint,)) if isinstance(arg, type))
    return (*accepted, int) if float in accepted else accepted


# What each transaction field may hold: the simulator's readers build ``Transaction`` without
# checking, and a hand-edited file must fail here, naming its row, not deep in the engine.
_FIELD_TYPES = {name: _accepted_types(hint) for name, hint in get_type_hints(Transaction).items()}


def _field_problem(txn: Transaction) -> str | None:
    for name, accepted in _FIELD_TYPES.items():
        value = getattr(txn, name)
        if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
            return f"{name} must be {' or '.join(t.__name__ for t in accepted)}, not {value!r}"
        if isinstance(value, datetime) and value.tzinfo is None:
            return f"{name} has no time zone"
    if not 0 < txn.amount_minor <= MAX_AMOUNT_MINOR:
        return f"amount_minor {txn.amount_minor} is out of range"
    if txn.currency not in CURRENCY_EXPONENTS:
        return f"unknown currency {txn.currency!r}"
    return None


def _read_error(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing column {error}"
    return f"{type(error).__name__}: {error}".splitlines()[0]


def read_history(path: Path, *, max_rows: int | None = None) -> list[LabelledCase]:
    """The labelled transactions of a simulator-format file (.parquet/.csv/.jsonl), in time
    order. ``HistoryFileError`` names the first bad row; ``HistoryTooLong`` stops reading as
    soon as the file passes ``max_rows``."""
    from paytrust.simulator import read_file  # the simulator is only needed for files

    cases: list[LabelledCase] = []
    try:
        for row in read_file(path):
            if max_rows is not None and len(cases) >= max_rows:
                raise HistoryTooLong(max_rows)
            problem = _field_problem(row.transaction) or (
                None if row.typology is None or isinstance(row.typology, str)
                else f"typology must be text, not {row.typology!r}")
            if problem:
                raise HistoryFileError(f"row {len(cases) + 1}: {problem}")
            cases.append(LabelledCase(row.transaction, bool(row.is_fraud), row.typology))
    except (ValueError, KeyError, TypeError, AttributeError, OSError, pa.ArrowException) as error:
        if isinstance(error, HistoryFileError):
            raise
        raise HistoryFileError(f"row {len(cases) + 1}: {_read_error(error)}") from error
    if not cases:
        raise HistoryFileError("the file holds no transactions")
    return cases_in_time_order(cases)


__all__ = [
    "BacktestReport",
    "HistoryFileError",
    "HistoryTooLong",
    "LabelledCase",
    "Metrics",
    "cases_in_time_order",
    "read_history",
    "render_text",
    "run_backtest",
]
