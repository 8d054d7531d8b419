"""The engine facade: transactions + entity state tables + clock -> results, the tables
updated.

``Engine`` holds the immutable pieces (compiled rules, list snapshot, models, policy) and
does no I/O; swap ``lists`` or the rules by building a new engine or assigning the
attribute (one reference swap, so a concurrent reader sees the old or the new whole).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from paytrust.risk.engine.config import DEFAULT_CONFIG, EngineConfig
from paytrust.risk.engine.features import (
    VOCABULARY,
    FieldType,
    kernel,
)
from paytrust.risk.engine.features.compute import transaction_values
from paytrust.risk.engine.features.tables import FeatureTables, state_rows
from paytrust.risk.engine.lists import LIST_FLAG_NAMES, ListSnapshot
from paytrust.risk.engine.model import (
    FloatArray,
    InputAssembler,
    ModelError,
    ModelOutput,
    ScoringModel,
)
from paytrust.risk.engine.policy import (
    LOCALES,
    ModelEvidence,
    PolicyConfig,
    RuleHit,
    decide,
)
from paytrust.risk.engine.row import LIST_START, MODEL_SCORE, ROW_INDEX, FeatureRow
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.engine.verdict import Decision, Reason

logger = logging.getLogger(__name__)
_LIST_FLAGS_END = LIST_START + len(LIST_FLAG_NAMES)  # the list hits lead the list features


class RuleDescription(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def description_en(self) -> str: ...
    @property
    def description_zh(self) -> str: ...
    @property
    def action(self) -> Decision | None: ...
    @property
    def score(self) -> float | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def shadow(self) -> bool: ...


class CompiledRules(Protocol):
    """The compiled rule set (``paytrust.risk.engine.rules.compile_ruleset``)."""

    @property
    def rules(self) -> Sequence[RuleDescription]: ...

    def on_rows(self, positions: Mapping[str, int]
                ) -> Callable[[Sequence[object]], tuple[int, ...]]:
        """The evaluator of feature rows: the indices of the rules that hit."""
        ...


@dataclass(slots=True, kw_only=True)
class ScoreResult:
    """Read-only once returned, but for ``latency_ms``, which the caller that timed the
    scoring sets (not frozen: a copy per result to set one number cost microseconds)."""

    transaction_id: str
    decision: Decision
    score: float
    reasons: tuple[Reason, ...]
    rules_hit: tuple[str, ...]
    shadow_rules_hit: tuple[str, ...]
    model_version: str | None
    challenger_score: float | None
    ruleset_version: str
    features: FeatureRow = field(repr=False)
    latency_ms: float = 0.0  # set by the caller that measured it


@dataclass(frozen=True, slots=True)
class _PreparedRule:
    rule_id: str
    shadow: bool
    hits: Mapping[str, RuleHit]  # locale -> hit carrying the message in that locale


class Engine:
    def __init__(
        self,
        ruleset: CompiledRules | None,
        lists: ListSnapshot,
        model: ScoringModel | None = None,
        challenger: ScoringModel | None = None,
        policy: PolicyConfig | None = None,
        vocabulary: Mapping[str, FieldType] = VOCABULARY,
        *,
        config: EngineConfig = DEFAULT_CONFIG,
        ruleset_version: str = "",
    ) -> None:
        for candidate in (model, challenger):
            if candidate is not None:
                _check_model_features(candidate, vocabulary)
        self.lists = lists
        self.model = model
        self.challenger = challenger
        self.policy = policy or PolicyConfig()
        self.config = config
        self.ruleset_version = ruleset_version
        self._ruleset = ruleset
        self._rules = _prepare_rules(ruleset)
        self._evaluate_row = ruleset.on_rows(ROW_INDEX) if ruleset is not None else None
        self._assemblers: dict[int, tuple[ScoringModel, InputAssembler]] = {}

    def score_in_place(
        self,
        txns: Sequence[Transaction],
        tables: FeatureTables,
        now: datetime | None,
        locale: str = "en",
    ) -> list[ScoreResult]:
        """Score ``txns`` in order on the entity state in ``tables`` (the compiled
        features'), applying each transaction's updates as it is scored, so each sees the
        ones before it. ``now`` is the clock of the lists (expiry); ``None`` scores each
        transaction as of its own time (replays of history)."""
        state = tables.compute(txns, self.config)
        lists, config = self.lists, self.config
        clock = None if now is None else now.timestamp()
        rows = []
        for txn, state_row in zip(txns, state_rows(state), strict=True):
            row = transaction_values(txn, config)  # a fresh list, extended in place
            row += state_row
            row += lists.values(txn, txn.occurred_at.timestamp() if clock is None else clock)
            row.append(None)  # the model's score, set by _decide
            rows.append(row)
        champion, challenger = (
            self._scores(model, state, rows) for model in (self.model, self.challenger))
        return self._decide_all(txns, rows, champion, challenger, locale)

    def _decide_all(
        self, txns: Sequence[Transaction], rows: list[list[object]],
        champion: _Scores | None, challenger: _Scores | None, locale: str,
    ) -> list[ScoreResult]:
        if locale not in LOCALES:
            raise ValueError(f"unsupported locale {locale!r}; use one of {LOCALES}")
        return [
            self._decide(txn, row, champion, challenger, index, locale)
            for index, (txn, row) in enumerate(zip(txns, rows, strict=True))
        ]

    def _scores(
        self, model: ScoringModel | None, numeric: FloatArray, rows: list[list[object]],
    ) -> _Scores | None:
        """The model's output on the batch, or ``None`` when it fails: the decision then
        rests on rules. Its inputs are gathered from ``numeric`` (the compiled features'
        matrix) and the rows."""
        if model is None:
            return None
        try:
            matrix = self._assembler(model).matrix(numeric, rows)
            output = model.predict(matrix)
        except Exception:  # any model failure must degrade to rules, never fail the payment
            logger.exception("model %s failed; scoring on rules and lists", model.version)
            return None
        return _Scores.of(model, output)

    def _assembler(self, model: ScoringModel) -> InputAssembler:
        cached = self._assemblers.get(id(model))
        if cached is None or cached[0] is not model:
            cached = self._assemblers[id(model)] = (model, InputAssembler(
                model.feature_names, model.categories, kernel.FEATURES, ROW_INDEX))
        return cached[1]

    def _decide(
        self,
        txn: Transaction,
        row: list[object],
        champion: _Scores | None,
        challenger: _Scores | None,
        index: int,
        locale: str,
    ) -> ScoreResult:
        evidence = None
        if champion is not None:
            probability = champion.probabilities[index]
            row[MODEL_SCORE] = probability
            evidence = ModelEvidence(probability, champion.top.get(index, ()))
        hits, shadow_hits = self._evaluate_rules(row, locale)
        flags = row[LIST_START:_LIST_FLAGS_END]
        listed = ([name for name, flag in zip(LIST_FLAG_NAMES, flags, strict=True) if flag]
                  if any(flags) else [])
        features = FeatureRow(row)
        verdict = decide(features, listed, hits, evidence, model_failed=self.model is not None
                         and champion is None, config=self.policy, locale=locale)
        return ScoreResult(
            transaction_id=txn.transaction_id,
            decision=verdict.decision,
            score=verdict.score,
            reasons=verdict.reasons,
            rules_hit=tuple(hit.rule_id for hit in hits),
            shadow_rules_hit=shadow_hits,
            model_version=champion.version if champion is not None else None,
            challenger_score=(challenger.probabilities[index] if challenger is not None
                              else None),
            ruleset_version=self.ruleset_version,
            features=features,
        )

    def _evaluate_rules(
        self, row: list[object], locale: str
    ) -> tuple[list[RuleHit], tuple[str, ...]]:
        if self._evaluate_row is None:
            return [], ()
        hits: list[RuleHit] = []
        shadow: list[str] = []
        rules = self._rules
        for index in self._evaluate_row(row):
            rule = rules[index]
            if rule is None:
                continue
            if rule.shadow:
                shadow.append(rule.rule_id)
            else:
                hits.append(rule.hits[locale])
        return hits, tuple(shadow)


@dataclass(frozen=True, slots=True)
class _Scores:
    """One model's output on a batch, converted once for the per-row decisions."""

    version: str
    probabilities: list[float]
    top: dict[int, tuple[tuple[str, float], ...]]  # explained rows: strongest contributions

    @classmethod
    def of(cls, model: ScoringModel, output: ModelOutput) -> _Scores:
        explained = (output.explained if output.explained is not None
                     else np.flatnonzero(output.contributions.any(axis=1)).tolist())
        return cls(model.version, output.probabilities.tolist(), {
            row: _top_contributions(model.feature_names, output.contributions[row])
            for row in explained})


def _prepare_rules(ruleset: CompiledRules | None) -> list[_PreparedRule | None]:
    if ruleset is None:
        return []
    prepared: list[_PreparedRule | None] = []
    for rule in ruleset.rules:
        if not rule.enabled:
            prepared.append(None)
            continue
        messages = {"en": rule.description_en, "zh": rule.description_zh or rule.description_en}
        prepared.append(_PreparedRule(rule.id, rule.shadow, {
            locale: RuleHit(rule.id, rule.action, rule.score, message)
            for locale, message in messages.items()
        }))
    return prepared


def _check_model_features(model: ScoringModel, vocabulary: Mapping[str, FieldType]) -> None:
    categorical = model.categories
    unknown = [name for name in model.feature_names
               if vocabulary.get(name) not in (FieldType.NUMBER, FieldType.BOOL)
               and not (vocabulary.get(name) is FieldType.STRING and name in categorical)]
    if unknown:
        raise ModelError(f"model {model.version} uses features outside the vocabulary: "
                         f"{unknown[:5]}")


def _top_contributions(
    names: Sequence[str], contributions: np.ndarray[Any, Any], limit: int = 8
) -> tuple[tuple[str, float], ...]:
    order = np.argsort(-contributions)[:limit]
    return tuple((names[i], float(contributions[i])) for i in order if contributions[i] > 0)
