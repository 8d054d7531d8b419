"""Pydantic shapes of the risk module's API and console: what goes in and what comes out.

The transaction *input* shapes (PayTrust JSON) live in ``paytrust.risk.formats``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.enums import AlertSeverity, AlertStatus, OutcomeLabel

_ORM = ConfigDict(from_attributes=True)


class ReasonRead(BaseModel):
    code: str
    message: str
    contribution: float


class DecisionRead(BaseModel):
    """The answer to one scored transaction."""

    transaction_id: str
    decision: str = Field(description="approve | challenge | review | block")
    score: float = Field(ge=0, le=1)
    reasons: list[ReasonRead]
    rules_hit: list[str]
    model_version: str | None
    ruleset_version: str | None
    latency_ms: float


class DecisionList(BaseModel):
    decisions: list[DecisionRead]


class OutcomeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: OutcomeLabel
    note: str | None = Field(default=None, max_length=2000)


class OutcomeRead(BaseModel):
    model_config = _ORM

    transaction_id: str
    label: OutcomeLabel
    reported_by: str
    reported_at: datetime
    note: str | None


class StoredDecisionRead(BaseModel):
    model_config = _ORM

    decision: str
    score: float
    reasons: list[ReasonRead]
    rules_hit: list[str]
    shadow_rules_hit: list[str]
    model_version: str | None
    challenger_score: float | None
    ruleset_version: str | None
    latency_ms: float
    scored_at: datetime


class AlertRead(BaseModel):
    model_config = _ORM

    id: str
    transaction_id: str
    decision: str
    severity: AlertSeverity
    status: AlertStatus
    score: float
    rules_hit: list[str]
    assigned_to: str | None
    acknowledged_at: datetime | None
    created_at: datetime


class AlertList(BaseModel):
    items: list[AlertRead]
    total: int


class TransactionRead(BaseModel):
    """A recorded transaction with what was decided about it and what happened after."""

    model_config = _ORM

    transaction_id: str
    occurred_at: datetime
    type: str
    amount_minor: int
    currency: str
    customer_id: str
    account_id: str
    channel: str
    payee_id: str | None
    merchant_id: str | None
    device_id: str | None
    ip: str | None
    country: str | None
    decision: StoredDecisionRead | None
    alert: AlertRead | None
    outcomes: list[OutcomeRead]


class RecentDecisionRead(BaseModel):
    """One line of the live decision stream."""

    transaction_id: str
    decision: str
    score: float
    amount_minor: int
    currency: str
    customer_id: str
    rules_hit: list[str]
    reasons: list[dict[str, Any]]
    latency_ms: float
    scored_at: datetime


class RuleErrorRead(BaseModel):
    rule_id: str | None
    line: int
    column: int
    message: str
    code: str


class RulesetValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=1_000_000)


class RulesetValidation(BaseModel):
    valid: bool
    errors: list[RuleErrorRead]


class RulesetVersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=1_000_000)
    comment: str | None = Field(default=None, max_length=2000)
    activate: bool = False


class RulesetVersionRead(BaseModel):
    model_config = _ORM

    name: str
    version: int
    created_by: str
    created_at: datetime
    is_active: bool
    comment: str | None


class RulesetVersionDetail(RulesetVersionRead):
    yaml: str


class RulesetSummary(BaseModel):
    name: str
    latest_version: int
    active_version: int | None


class RulesetChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class RulesetDiffRead(BaseModel):
    name: str
    from_version: int
    to_version: int
    added: list[str]
    removed: list[str]
    changed: list[str]
    text: str = Field(description="unified diff of the two YAML texts")


class ListEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ListKind
    action: ListAction
    value: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    expires_at: AwareDatetime | None = None


class ListEntryRead(BaseModel):
    model_config = _ORM

    id: str
    kind: ListKind
    action: ListAction
    value: str
    reason: str | None
    expires_at: datetime | None
    created_by: str
    created_at: datetime
    removed_at: datetime | None


class ListEntryList(BaseModel):
    items: list[ListEntryRead]
    total: int


class ListImportResult(BaseModel):
    imported: int
    already_present: int


class ImportRowError(BaseModel):
    row: int
    field: str
    message: str


class RulePrecisionRead(BaseModel):
    rule_id: str
    labelled_hits: int
    fraud: int
    legitimate: int
    precision: float | None


ModelStatus = Literal["candidate", "champion", "challenger", "retired"]


class ModelVersionRead(BaseModel):
    """A registered model version with its headline test-period metrics (``None`` where
    the test period could not measure one, e.g. without fraud)."""

    version: str
    status: ModelStatus
    trained_at: datetime
    promoted_at: datetime | None
    created_by: str | None
    comment: str | None
    auc: float | None
    auprc: float | None
    recall_at_half_percent_alerts: float | None = Field(
        description="share of fraud among the 0.5 % highest-scored transactions")
    review_threshold: float | None
    review_precision: float | None
    review_recall: float | None


class ModelVersionList(BaseModel):
    items: list[ModelVersionRead]


class ThresholdMetricsRead(BaseModel):
    """What the model alone flags at one of the policy's score thresholds."""

    threshold: float
    precision: float | None = None
    recall: float | None = None
    alert_rate: float | None = None
    fraud_amount_caught: float | None = Field(default=None,
                                              description="share of the fraud amount")


class ModelTrainingRead(BaseModel):
    """How the model was trained: the time split, its sizes and the learner's parameters."""

    train_rows: int = 0
    train_fraud: int = 0
    test_rows: int = 0
    test_fraud: int = 0
    train_from: datetime | None = None
    test_from: datetime | None = None
    test_until: datetime | None = None
    trees: int | None = None
    max_rounds: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class ModelVersionDetail(ModelVersionRead):
    fraud_rate: float | None
    recall_at_alert_rates: dict[str, float | None] = Field(
        description="recall among the top share of transactions by score, keyed by share")
    thresholds: dict[str, ThresholdMetricsRead] = Field(
        description="challenge, review and block")
    training: ModelTrainingRead | None
    metrics: dict[str, Any] = Field(description="every metric as training recorded it")


class ChallengerChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(max_length=64, description="null stops the challenger")


class ServingModelsRead(BaseModel):
    champion: str | None
    challenger: str | None


def problem_errors(errors: list[BaseModel]) -> list[dict[str, Any]]:
    """Per-item errors as plain values for a problem response's ``errors`` member."""
    return [error.model_dump() for error in errors]
