"""Outcomes, transaction lookups, the live decision feed and the alert queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Response, status

from paytrust.platform.db import utcnow
from paytrust.platform.errors import problem_schema
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.enums import AlertSeverity, AlertStatus
from paytrust.risk.permissions import (
    ALERTS_READ,
    ALERTS_WORK,
    OUTCOMES_WRITE,
    TRANSACTIONS_READ,
)
from paytrust.risk.schemas import (
    AlertList,
    AlertRead,
    OutcomeCreate,
    OutcomeRead,
    RecentDecisionRead,
    TransactionRead,
)

router = api_router(prefix="/api/v1", tags=["risk"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_schema("No such record")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: problem_schema("Not in a state for this")}


@router.post(
    "/transactions/{transaction_id}/outcome", response_model=OutcomeRead,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, 200: {"description": "Already reported: the first report"}},
)
def report_outcome(
    transaction_id: str, outcome: OutcomeCreate, response: Response, db: DbSession,
    caller: Annotated[Principal, require(OUTCOMES_WRITE)],
) -> Any:
    """Confirmed fraud, chargeback or legitimate: a training label and a precision sample.
    Reporting the same label again returns the first report (200)."""
    row, created = risk_service.record_outcome(
        db, actor=caller.actor, transaction_id=transaction_id, label=outcome.label,
        note=outcome.note, now=utcnow(),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.get("/transactions/{transaction_id}", response_model=TransactionRead,
            responses=NOT_FOUND)
def get_transaction(
    transaction_id: str, db: DbSession,
    caller: Annotated[Principal, require(TRANSACTIONS_READ)],
) -> TransactionRead:
    return risk_service.get_transaction(db, transaction_id)


@router.get("/decisions", response_model=list[RecentDecisionRead])
def recent_decisions(
    db: DbSession, caller: Annotated[Principal, require(TRANSACTIONS_READ)],
    after: datetime | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[RecentDecisionRead]:
    """The newest decisions, newest first (``after``: only those scored later)."""
    return risk_service.recent_decisions(db, after=after, limit=limit)


@router.get("/alerts", response_model=AlertList)
def list_alerts(
    db: DbSession, caller: Annotated[Principal, require(ALERTS_READ)],
    alert_status: Annotated[AlertStatus | None, Query(alias="status")] = None,
    severity: AlertSeverity | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertList:
    alerts, total = risk_service.list_alerts(
        db, status=alert_status, severity=severity, limit=limit, offset=offset)
    return AlertList(items=[AlertRead.model_validate(a) for a in alerts], total=total)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead,
             responses={**NOT_FOUND, **CONFLICT})
def acknowledge_alert(
    alert_id: str, db: DbSession, caller: Annotated[Principal, require(ALERTS_WORK)],
) -> Any:
    return risk_service.acknowledge_alert(db, actor=caller.actor, alert_id=alert_id,
                                          now=utcnow())
