"""What a backtest compares: the champion (the active rule set and the champion model) and a
candidate picked by name. ``paytrust backtest`` and the console's backtest page both choose
through here, so a name means the same thing in both.

Candidate rule sets: ``active``, ``default`` (the shipped pack) or a saved version written
``NAME@VERSION``. Candidate models: ``champion``, ``none`` (rules only) or a registered
version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.risk.backtest import (
    BacktestReport,
    HistoryFileError,
    HistoryTooLong,
    LabelledCase,
    read_history,
    run_backtest,
)
from paytrust.risk.engine.model import ModelError, ScoringModel
from paytrust.risk.models import RiskModelVersion, RiskRulesetVersion
from paytrust.risk.service.models import get_model_version, load_model, serving_models
from paytrust.risk.service.rulesets import active_ruleset, default_pack_yaml, get_ruleset_version

ACTIVE_RULESET, DEFAULT_RULESET = "active", "default"
CHAMPION_MODEL, NO_MODEL = "champion", "none"
DEFAULT_PACK_NAME = "default-pack"

__all__ = [
    "ACTIVE_RULESET", "CHAMPION_MODEL", "DEFAULT_RULESET", "NO_MODEL", "Contender",
    "HistoryFileError", "HistoryTooLong", "candidate_model", "candidate_ruleset",
    "champion_contender", "choose_contenders", "compare_contenders", "default_contender",
    "read_history", "saved_ruleset_versions",
]


@dataclass(frozen=True)
class Contender:
    """One side of a backtest: a rule set (its label and text) and an optional model."""

    ruleset_name: str
    ruleset_yaml: str
    model: ScoringModel | None

    @property
    def name(self) -> str:
        return f"{self.ruleset_name} + {self.model.version}" if self.model else self.ruleset_name


def default_contender() -> Contender:
    """The shipped pack without a model: what scores when nothing was activated."""
    return Contender(DEFAULT_PACK_NAME, default_pack_yaml(), None)


def _loaded(row: RiskModelVersion) -> ScoringModel:
    try:
        return load_model(row)
    except ModelError as error:
        raise ValidationFailed(str(error), field="model") from error


def champion_contender(session: Session) -> Contender:
    """What scores live now: the active rule set (else the shipped pack) and the champion."""
    active = active_ruleset(session)
    champion, _ = serving_models(session)
    model = _loaded(champion) if champion else None
    if active is None:
        return Contender(DEFAULT_PACK_NAME, default_pack_yaml(), model)
    return Contender(f"{active.name}@{active.version}", active.yaml, model)


def candidate_ruleset(session: Session, choice: str, champion: Contender) -> tuple[str, str]:
    """(label, YAML) of the candidate rule set named by ``choice``."""
    if choice == ACTIVE_RULESET:
        return champion.ruleset_name, champion.ruleset_yaml
    if choice == DEFAULT_RULESET:
        return DEFAULT_PACK_NAME, default_pack_yaml()
    name, _, number = choice.rpartition("@")
    if not name or not number.isdigit():
        raise ValidationFailed(f"candidate rule set {choice!r}: choose 'active', 'default' or "
                               "a saved version as NAME@VERSION", field="ruleset")
    try:
        row = get_ruleset_version(session, name, int(number))
    except NotFound as error:
        raise NotFound(error.detail, field="ruleset") from error
    return f"{row.name}@{row.version}", row.yaml


def candidate_model(
    session: Session, choice: str | None, champion: Contender
) -> ScoringModel | None:
    """The candidate model named by ``choice`` (``None`` means the champion's)."""
    if choice in (None, CHAMPION_MODEL):
        return champion.model
    if choice == NO_MODEL:
        return None
    try:
        row = get_model_version(session, choice)
    except NotFound as error:
        raise NotFound(error.detail, field="model") from error
    return _loaded(row)


def choose_contenders(
    session: Session, *, ruleset: str, model: str | None
) -> tuple[Contender, Contender]:
    """(candidate, champion) for a backtest of the named rule set and model."""
    champion = champion_contender(session)
    name, text = candidate_ruleset(session, ruleset, champion)
    return Contender(name, text, candidate_model(session, model, champion)), champion


def saved_ruleset_versions(session: Session) -> list[str]:
    """Every saved rule set version as ``NAME@VERSION``, newest first within a name."""
    rows = session.execute(select(RiskRulesetVersion.name, RiskRulesetVersion.version)
                           .order_by(RiskRulesetVersion.name, RiskRulesetVersion.version.desc()))
    return [f"{name}@{version}" for name, version in rows]


def compare_contenders(
    cases: Iterable[LabelledCase], *, candidate: Contender, champion: Contender
) -> BacktestReport:
    """Replay ``cases`` (in time order) through both contenders."""
    return run_backtest(
        cases, candidate_yaml=candidate.ruleset_yaml, champion_yaml=champion.ruleset_yaml,
        candidate_name=candidate.name, champion_name=champion.name,
        candidate_model=candidate.model, champion_model=champion.model,
    )
