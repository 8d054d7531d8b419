"""The model registry: trained model versions, the champion that scores and the challenger
that is scored in shadow.

Promotion and the challenger slot are audited and, once committed, announced with
``risk.models_changed`` so every scorer in this process loads the new pair at once; the
model stamp is part of the change stamp, so other processes notice within seconds.
"""

from __future__ import annotations

import math
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.platform.events import bus
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.engine.model import ModelError
from paytrust.risk.events import ModelsChanged
from paytrust.risk.models import RiskModelVersion
from paytrust.risk.schemas import (
    ModelTrainingRead,
    ModelVersionDetail,
    ModelVersionRead,
    ThresholdMetricsRead,
)

CANDIDATE, CHAMPION, CHALLENGER, RETIRED = "candidate", "champion", "challenger", "retired"


def next_model_version(session: Session, now: datetime) -> str:
    """``lgbm-YYYYMMDD-N``: the day it was trained and its number among that day's models."""
    prefix = f"lgbm-{now:%Y%m%d}-"
    count = session.scalar(select(func.count()).select_from(RiskModelVersion)
                           .where(RiskModelVersion.version.startswith(prefix))) or 0
    return f"{prefix}{count + 1}"


def save_model_version(
    session: Session, *, actor: str, model: LightGBMScoringModel, metrics: dict[str, Any],
    now: datetime, comment: str | None = None,
) -> RiskModelVersion:
    """Register a trained model as a candidate (it scores nothing until promoted)."""
    if session.scalar(select(RiskModelVersion).where(RiskModelVersion.version == model.version)):
        raise ValidationFailed(f"model version {model.version!r} exists", field="version")
    row = RiskModelVersion(
        version=model.version, artifact=zlib.compress(model.to_text().encode(), 6),
        # NaN (a metric that could not be measured) is not JSON: PostgreSQL refuses it.
        metrics=_without_nan(metrics), status=CANDIDATE, trained_at=now, created_by=actor,
        comment=comment,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="risk.model.registered", entity_type="risk_model",
                 entity_id=model.version, after=_without_nan(_headline(metrics)))
    return row


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics.get(key) for key in ("auc", "auprc", "recall_at_0.5%_alerts")}


def load_model(row: RiskModelVersion) -> LightGBMScoringModel:
    """The stored model; ``ModelError`` when the artefact is missing or damaged."""
    try:
        text = zlib.decompress(row.artifact or b"").decode()
    except (zlib.error, UnicodeDecodeError) as error:
        raise ModelError(f"model {row.version!r}: the stored artefact is damaged "
                         f"({error})") from error
    return LightGBMScoringModel.from_text(text, row.version)


def get_model_version(session: Session, version: str) -> RiskModelVersion:
    row = session.scalar(select(RiskModelVersion).where(RiskModelVersion.version == version))
    if row is None:
        raise NotFound(f"no model version {version!r}", field="version")
    return row


def list_model_versions(session: Session) -> list[RiskModelVersion]:
    return list(session.scalars(
        select(RiskModelVersion).order_by(RiskModelVersion.trained_at.desc(),
                                          RiskModelVersion.version.desc())))


def _holder(session: Session, status: str) -> RiskModelVersion | None:
    return session.scalar(select(RiskModelVersion).where(RiskModelVersion.status == status))


def serving_models(session: Session) -> tuple[RiskModelVersion | None, RiskModelVersion | None]:
    """(champion, challenger), either may be absent."""
    return _holder(session, CHAMPION), _holder(session, CHALLENGER)


def promote_model(
    session: Session, *, actor: str, version: str, now: datetime
) -> RiskModelVersion:
    """Make ``version`` the champion; the previous champion retires (and can be promoted
    again to roll back)."""
    row = get_model_version(session, version)
    current = _holder(session, CHAMPION)
    if current is not None and current.id == row.id:
        return row
    if current is not None:
        current.status = RETIRED
    row.status, row.promoted_at = CHAMPION, now
    session.flush()
    audit.record(session, actor=actor, action="risk.model.promoted", entity_type="risk_model",
                 entity_id=version, before={"champion": current.version if current else None},
                 after={"champion": version})
    _announce(session)
    return row


def set_challenger(session: Session, *, actor: str, version: str | None) -> None:
    """Score ``version`` in shadow beside the champion (``None`` clears the slot)."""
    current = _holder(session, CHALLENGER)
    row = get_model_version(session, version) if version is not None else None
    if row is not None and row.status == CHAMPION:
        raise ValidationFailed(f"{version!r} is the champion", field="version")
    if current is not None and (row is None or current.id != row.id):
        current.status = CANDIDATE
    if row is not None:
        row.status = CHALLENGER
    session.flush()
    audit.record(session, actor=actor, action="risk.model.challenger", entity_type="risk_model",
                 entity_id=version or "-",
                 before={"challenger": current.version if current else None},
                 after={"challenger": version})
    _announce(session)


def _announce(session: Session) -> None:
    champion, challenger = serving_models(session)
    bus.publish(session, ModelsChanged(
        champion=champion.version if champion else None,
        challenger=challenger.version if challenger else None))


def models_stamp(session: Session) -> str:
    champion, challenger = serving_models(session)
    return f"{champion.version if champion else '-'}/{challenger.version if challenger else '-'}"


def _finite(value: Any) -> float | None:
    """A metric as a number, ``None`` when missing or unmeasured (NaN has no JSON)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _without_nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nan(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _summary(row: RiskModelVersion) -> dict[str, Any]:
    metrics = row.metrics or {}
    review = metrics.get("at_review") or {}
    return {
        "version": row.version, "status": row.status, "trained_at": row.trained_at,
        "promoted_at": row.promoted_at, "created_by": row.created_by, "comment": row.comment,
        "auc": _finite(metrics.get("auc")), "auprc": _finite(metrics.get("auprc")),
        "recall_at_half_percent_alerts": _finite(metrics.get("recall_at_0.5%_alerts")),
        "review_threshold": _finite(review.get("threshold")),
        "review_precision": _finite(review.get("precision")),
        "review_recall": _finite(review.get("recall")),
    }


def model_version_read(row: RiskModelVersion) -> ModelVersionRead:
    """A registry row with its headline metrics, as the API and the console show it."""
    return ModelVersionRead(**_summary(row))


def model_version_detail(row: RiskModelVersion) -> ModelVersionDetail:
    """A registry row with every metric, the threshold table and how it was trained."""
    metrics: dict[str, Any] = _without_nan(row.metrics or {})
    training = metrics.get("training")
    return ModelVersionDetail(
        **_summary(row), fraud_rate=_finite(metrics.get("fraud_rate")),
        recall_at_alert_rates={
            key.removeprefix("recall_at_").removesuffix("_alerts"): _finite(value)
            for key, value in metrics.items() if key.startswith("recall_at_")},
        thresholds={key.removeprefix("at_"): ThresholdMetricsRead.model_validate(value)
                    for key, value in metrics.items()
                    if key.startswith("at_") and isinstance(value, dict)},
        training=ModelTrainingRead.model_validate(training)
        if isinstance(training, dict) else None,
        metrics=metrics,
    )
