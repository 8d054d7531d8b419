from __future__ import annotations

import pytest

from paytrust.risk.engine.policy import ModelEvidence, PolicyConfig, RuleHit, decide
from paytrust.risk.engine.verdict import Decision

CONFIG = PolicyConfig(challenge_threshold=0.5, review_threshold=0.75, block_threshold=0.92)


def _hit(rule_id: str, action: Decision | None = None, score: float | None = None) -> RuleHit:
    return RuleHit(rule_id, action, score, f"rule {rule_id}")


def _decide(features: dict[str, object] | None = None, hits: list[RuleHit] | None = None,
            model: ModelEvidence | None = None, model_failed: bool = False,
            locale: str = "en"):  # type: ignore[no-untyped-def]
    features = features or {}
    listed = [name for name, value in features.items() if name.startswith("list.") and value]
    return decide(features, listed, hits or [], model, model_failed=model_failed,
                  config=CONFIG, locale=locale)


def test_nothing_suspicious_approves_with_zero_score() -> None:
    verdict = _decide()
    assert (verdict.decision, verdict.score, verdict.reasons) == (Decision.APPROVE, 0.0, ())


@pytest.mark.parametrize(("score", "decision"), [
    (0.49, Decision.APPROVE), (0.5, Decision.CHALLENGE), (0.75, Decision.REVIEW),
    (0.92, Decision.BLOCK),
])
def test_thresholds_map_the_score_to_a_decision(score: float, decision: Decision) -> None:
    assert _decide(hits=[_hit("r", score=score)]).decision is decision


def test_scores_combine_as_independent_evidence_and_shares_add_up() -> None:
    verdict = _decide(hits=[_hit("a", score=0.4), _hit("b", score=0.3)],
                      model=ModelEvidence(0.2))
    assert verdict.score == pytest.approx(1 - 0.6 * 0.7 * 0.8)
    assert sum(reason.contribution for reason in verdict.reasons) == pytest.approx(verdict.score)
    assert [reason.code for reason in verdict.reasons] == ["rule:a", "rule:b", "model:score"]


def test_an_action_without_score_lifts_the_decision_to_that_action() -> None:
    verdict = _decide(hits=[_hit("r", action=Decision.REVIEW)])
    assert verdict.decision is Decision.REVIEW
    assert verdict.score == pytest.approx(CONFIG.review_threshold)


def test_block_list_beats_everything_including_allow_lists_and_approve_rules() -> None:
    verdict = _decide({"list.device_blocked": True, "list.account_allowed": True},
                      [_hit("ok", action=Decision.APPROVE)])
    assert (verdict.decision, verdict.score) == (Decision.BLOCK, 1.0)
    assert [reason.code for reason in verdict.reasons] == ["list:device_blocked"]


def test_allow_list_approves_a_risky_payment_but_keeps_its_score() -> None:
    verdict = _decide({"list.account_allowed": True}, [_hit("r", score=0.8)])
    assert verdict.decision is Decision.APPROVE
    assert verdict.score == pytest.approx(0.8)
    assert "list:account_allowed" in [reason.code for reason in verdict.reasons]


def test_a_block_rule_beats_an_allow_list() -> None:
    verdict = _decide({"list.account_allowed": True}, [_hit("sanctions", Decision.BLOCK)])
    assert verdict.decision is Decision.BLOCK


def test_model_share_is_split_over_the_features_that_pushed_it_up() -> None:
    model = ModelEvidence(0.6, (("customer.amount_zscore", 3.0), ("txn.amount", 1.0)))
    verdict = _decide({"customer.amount_zscore": 4.2, "txn.amount": 900.0}, model=model)
    codes = {reason.code: reason.contribution for reason in verdict.reasons}
    assert codes["model:customer.amount_zscore"] == pytest.approx(0.45)
    assert codes["model:txn.amount"] == pytest.approx(0.15)


def test_model_failure_is_stated_as_a_reason() -> None:
    verdict = _decide(hits=[_hit("r", score=0.6)], model_failed=True)
    assert verdict.decision is Decision.CHALLENGE
    assert "model:unavailable" in [reason.code for reason in verdict.reasons]


def test_messages_follow_the_callers_locale() -> None:
    verdict = _decide({"list.ip_blocked": True}, locale="zh")
    assert verdict.reasons[0].message == "IP地址在黑名单中"


def test_model_reasons_quote_missing_and_yes_no_values_in_words() -> None:
    model = ModelEvidence(0.6, (("customer.amount_zscore", 2.0), ("device.is_new", 1.0)))
    features = {"customer.amount_zscore": None, "device.is_new": True}
    english = {reason.code: reason.message for reason in _decide(features, model=model).reasons}
    assert english["model:customer.amount_zscore"].endswith(" = none yet")
    assert english["model:device.is_new"].endswith(" = yes")
    chinese = _decide(features, model=model, locale="zh").reasons
    assert [reason.message.rsplit(" = ", 1)[1] for reason in chinese] == ["暂无", "是"]


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        PolicyConfig(challenge_threshold=0.8, review_threshold=0.7)
