"""The alert queue: review and block decisions waiting for an analyst."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.errors import Conflict, NotFound
from paytrust.risk.enums import AlertSeverity, AlertStatus
from paytrust.risk.models import RiskAlert


def list_alerts(
    session: Session, *, status: AlertStatus | None = None,
    severity: AlertSeverity | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[RiskAlert], int]:
    """Alerts newest first, with the total matching count."""
    query = select(RiskAlert)
    if status is not None:
        query = query.where(RiskAlert.status == status.value)
    if severity is not None:
        query = query.where(RiskAlert.severity == severity.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(RiskAlert.created_at.desc(), RiskAlert.id).limit(limit).offset(offset)
    ).all()
    return list(page), total


def acknowledge_alert(
    session: Session, *, actor: str, alert_id: str, now: datetime
) -> RiskAlert:
    """An analyst takes an open alert: it becomes assigned to them."""
    alert = session.get(RiskAlert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id!r}")
    if alert.status != AlertStatus.OPEN:
        raise Conflict(f"alert is {alert.status}, only open alerts can be acknowledged",
                       field="status")
    alert.status, alert.assigned_to, alert.acknowledged_at = AlertStatus.ASSIGNED, actor, now
    audit.record(
        session, actor=actor, action="risk.alert.acknowledged", entity_type="risk_alert",
        entity_id=alert.id, before={"status": AlertStatus.OPEN.value},
        after={"status": AlertStatus.ASSIGNED.value, "assigned_to": actor},
    )
    return alert
