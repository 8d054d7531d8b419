"""The decision policy: list hits, rule hits and the model probability -> one score, one
decision and the reasons, each with its share of the score.

Order of precedence, strongest first:

1. a block-list hit blocks (score 1.0), whatever else is true;
2. a rule whose action is ``block`` blocks;
3. an allow-list hit, or a rule whose action is ``approve``, approves;
4. otherwise the combined score decides against the thresholds.

Scores combine as independent evidence ("noisy or"): ``1 - Π(1 - s)`` over every acting
rule's score and the model probability. A rule with an action but no score counts as the
threshold of its action, so ``review`` alone yields at least a review. Each component's
share of the final score is proportional to ``-log(1 - s)``, its weight in that product;
the model's share is split over the features that pushed its probability up.
Shadow rules never reach this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import log

from paytrust.risk.engine.features.vocabulary import SPECS
from paytrust.risk.engine.verdict import Decision, Reason

_MAX_EVIDENCE = 0.999_999  # keeps -log(1 - s) finite for a certain component
_BLOCK_LISTS = frozenset(name for name in SPECS if name.startswith("list.") and
                         name.endswith("_blocked"))
_ALLOW_LISTS = frozenset(name for name in SPECS if name.startswith("list.") and
                         name.endswith("_allowed"))
_MODEL_UNAVAILABLE = {
    "en": "Model unavailable: decided on rules and lists alone",
    "zh": "模型不可用：仅依据规则和名单决策",
}
_MODEL_PREFIX = {"en": "Model", "zh": "模型"}
# How a reason quotes a value that is no number: a feature without a value yet (no history)
# is null, and a reader should not see Python's None, True or False.
_WORDS = {
    "en": {None: "none yet", True: "yes", False: "no"},
    "zh": {None: "暂无", True: "是", False: "否"},
}
LOCALES = ("en", "zh")


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyConfig:
    challenge_threshold: float = 0.5
    review_threshold: float = 0.75
    block_threshold: float = 0.92
    model_weight: float = 1.0  # the model probability is scaled by this before combining
    max_model_reasons: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.challenge_threshold <= self.review_threshold <= self.block_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 < challenge <= review <= block <= 1")
        if not 0 <= self.model_weight <= 1:
            raise ValueError("model_weight must be within 0..1")

    def threshold(self, decision: Decision) -> float:
        if decision is Decision.BLOCK:
            return self.block_threshold
        if decision is Decision.REVIEW:
            return self.review_threshold
        return self.challenge_threshold if decision is Decision.CHALLENGE else 0.0

    def decision_for(self, score: float) -> Decision:
        if score >= self.block_threshold:
            return Decision.BLOCK
        if score >= self.review_threshold:
            return Decision.REVIEW
        if score >= self.challenge_threshold:
            return Decision.CHALLENGE
        return Decision.APPROVE


@dataclass(frozen=True, slots=True)
class RuleHit:
    """An acting (enabled, not shadow) rule that matched, with its message in one locale."""

    rule_id: str
    action: Decision | None
    score: float | None
    message: str


@dataclass(frozen=True, slots=True)
class ModelEvidence:
    probability: float
    # (feature name, contribution to the model's raw output), strongest first, positive only
    contributions: Sequence[tuple[str, float]] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    score: float
    reasons: tuple[Reason, ...]


def decide(
    features: Mapping[str, object],
    listed: Sequence[str],
    rule_hits: Sequence[RuleHit],
    model: ModelEvidence | None,
    *,
    model_failed: bool,
    config: PolicyConfig,
    locale: str = "en",
) -> Verdict:
    """``listed``: the list hits (``list.*_blocked`` / ``list.*_allowed`` names that are
    true); ``features`` supplies the values the model's reasons quote."""
    blocked = [name for name in listed if name in _BLOCK_LISTS]
    if blocked:
        share = 1.0 / len(blocked)
        reasons = [_list_reason(name, share, locale) for name in blocked]
        return Verdict(Decision.BLOCK, 1.0, tuple(reasons))

    components: list[tuple[Reason, float]] = []  # (reason without share yet, evidence)
    for hit in rule_hits:
        evidence = _rule_evidence(hit, config)
        if evidence > 0:
            components.append((Reason(f"rule:{hit.rule_id}", hit.message, 0.0), evidence))
    if model is not None and model.probability > 0:
        components.append((Reason("model", "", 0.0), model.probability * config.model_weight))
    score, reasons = _combine(components, model, features, config, locale)

    decision = config.decision_for(score)
    allowed = [name for name in listed if name in _ALLOW_LISTS]
    approving = [hit for hit in rule_hits if hit.action is Decision.APPROVE]
    if any(hit.action is Decision.BLOCK for hit in rule_hits):
        decision = Decision.BLOCK
    elif allowed or approving:
        decision = Decision.APPROVE
        reasons.extend(_list_reason(name, 0.0, locale) for name in allowed)
        reasons.extend(Reason(f"rule:{hit.rule_id}", hit.message, 0.0) for hit in approving)
    if model_failed:
        reasons.append(Reason("model:unavailable", _MODEL_UNAVAILABLE[locale], 0.0))
    reasons.sort(key=lambda reason: -reason.contribution)
    return Verdict(decision, score, tuple(reasons))


def _rule_evidence(hit: RuleHit, config: PolicyConfig) -> float:
    implied = 0.0 if hit.action in (None, Decision.APPROVE) else config.threshold(hit.action)
    return max(hit.score or 0.0, implied)


def _combine(
    components: list[tuple[Reason, float]],
    model: ModelEvidence | None,
    features: Mapping[str, object],
    config: PolicyConfig,
    locale: str,
) -> tuple[float, list[Reason]]:
    if len(components) == 1:  # the common case: the model alone, which explains it all
        (reason, score), = components
        if reason.code == "model" and model is not None:
            return score, _model_reasons(model, score, features, config, locale)
        return score, [Reason(reason.code, reason.message, score)]
    weights = [-log(1.0 - min(evidence, _MAX_EVIDENCE)) for _, evidence in components]
    total = sum(weights)
    if total == 0:
        return 0.0, []
    remaining = 1.0
    for _, evidence in components:
        remaining *= 1.0 - evidence
    score = 1.0 - remaining
    reasons: list[Reason] = []
    for (reason, _), weight in zip(components, weights, strict=True):
        share = score * weight / total
        if reason.code == "model" and model is not None:
            reasons.extend(_model_reasons(model, share, features, config, locale))
        else:
            reasons.append(Reason(reason.code, reason.message, share))
    return score, reasons


def _model_reasons(
    model: ModelEvidence, share: float, features: Mapping[str, object],
    config: PolicyConfig, locale: str,
) -> list[Reason]:
    top = [(name, value) for name, value in model.contributions[: config.max_model_reasons]
           if value > 0]
    pushed = sum(value for _, value in model.contributions if value > 0)
    prefix = _MODEL_PREFIX[locale]
    if not top or pushed <= 0:
        return [Reason("model:score", f"{prefix}: {model.probability:.2f}", share)]
    reasons = []
    for name, value in top:
        spec = SPECS.get(name)
        label = (spec.zh if locale == "zh" else spec.en) if spec else name
        reasons.append(Reason(f"model:{name}", f"{prefix}: {label} = "
                              f"{_format(features.get(name), locale)}", share * value / pushed))
    return reasons


def _format(value: object, locale: str) -> str:
    if value is None or isinstance(value, bool):
        return _WORDS[locale][value]
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _list_reason(name: str, share: float, locale: str) -> Reason:
    spec = SPECS[name]
    return Reason(f"list:{name.removeprefix('list.')}", spec.zh if locale == "zh" else spec.en,
                  share)
