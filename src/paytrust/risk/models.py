"""Tables of the risk module: scored transactions and their decisions, alerts, outcomes (labels),
versioned rule sets, block/allow list entries and model versions.

The scoring hot path never touches these through the ORM: the recorder bulk-inserts
transactions, decisions and alerts with SQLAlchemy Core (``RiskTransaction.__table__``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from paytrust.platform.db import Base, IdMixin, utcnow

TRANSACTION_ID_LENGTH = 64


class RiskTransaction(Base):
    """The normalised transaction as received (``paytrust.risk.engine.transaction``)."""

    __tablename__ = "risk_transaction"

    id: Mapped[str] = mapped_column(String(TRANSACTION_ID_LENGTH), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # sha256 of the canonical normalised transaction: a repeated id must repeat the payload.
    payload_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    auth_method: Mapped[str] = mapped_column(String(20))
    payee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payee_name: Mapped[str | None] = mapped_column(String(200))
    payee_country: Mapped[str | None] = mapped_column(String(2))
    merchant_id: Mapped[str | None] = mapped_column(String(64))
    merchant_category: Mapped[str | None] = mapped_column(String(4))
    merchant_country: Mapped[str | None] = mapped_column(String(2))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(45))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    card_bin: Mapped[str | None] = mapped_column(String(8))
    balance_before_minor: Mapped[int | None] = mapped_column(BigInteger)
    balance_after_minor: Mapped[int | None] = mapped_column(BigInteger)
    credential_changed_at: Mapped[datetime | None]
    sim_swapped_at: Mapped[datetime | None]
    original_transaction_id: Mapped[str | None] = mapped_column(String(TRANSACTION_ID_LENGTH))


class RiskDecision(IdMixin, Base):
    """What the engine answered for one transaction."""

    __tablename__ = "risk_decision"

    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("risk_transaction.id"), unique=True
    )
    decision: Mapped[str] = mapped_column(String(10), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rules_hit: Mapped[list[str]] = mapped_column(JSON)
    shadow_rules_hit: Mapped[list[str]] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(64))
    challenger_score: Mapped[float | None] = mapped_column(Float)
    ruleset_version: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[float] = mapped_column(Float)
    scored_at: Mapped[datetime] = mapped_column(index=True)


class RiskAlert(IdMixin, Base):
    """Raised by a ``review`` or ``block`` decision; the case queue picks these up."""

    __tablename__ = "risk_alert"

    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("risk_transaction.id"), unique=True
    )
    decision: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True, default="open")
    score: Mapped[float] = mapped_column(Float)
    rules_hit: Mapped[list[str]] = mapped_column(JSON)
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True, default=utcnow)


class RiskOutcome(IdMixin, Base):
    """Feedback on a scored transaction: the label for training and rule precision."""

    __tablename__ = "risk_outcome"
    __table_args__ = (UniqueConstraint("transaction_id", "label"),)

    transaction_id: Mapped[str] = mapped_column(ForeignKey("risk_transaction.id"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    reported_by: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class RiskRulesetVersion(IdMixin, Base):
    """One saved version of a named rule set; at most one version per name is active."""

    __tablename__ = "risk_ruleset_version"
    __table_args__ = (UniqueConstraint("name", "version"),)

    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    yaml: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    comment: Mapped[str | None] = mapped_column(Text)


class RiskListEntry(IdMixin, Base):
    """A block or allow list entry; removal is a timestamp so the history stays."""

    __tablename__ = "risk_list_entry"
    __table_args__ = (Index("ix_risk_list_entry_kind_value", "kind", "value"),)

    kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(index=True)
    removed_by: Mapped[str | None] = mapped_column(String(200))


class RiskModelVersion(IdMixin, Base):
    """A trained model; the model registry (``paytrust model``) fills and promotes these.

    ``artifact`` is the zlib-compressed serialised model (``LightGBMScoringModel.to_text``);
    ``status`` is candidate, champion (scores), challenger (scored in shadow) or retired.
    """

    __tablename__ = "risk_model_version"

    version: Mapped[str] = mapped_column(String(64), unique=True)
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True, default="candidate")
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
