"""The alert queue and the live decision stream."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from fastapi.responses import RedirectResponse

from paytrust.console.csrf import CsrfProtected
from paytrust.console.templating import render
from paytrust.platform.db import utcnow
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.enums import AlertSeverity, AlertStatus
from paytrust.risk.permissions import ALERTS_READ, ALERTS_WORK, TRANSACTIONS_READ
from paytrust.risk.views._shell import BASE, notice_key

router = api_router(prefix=BASE, tags=["console"], include_in_schema=False)

PER_PAGE = 50
STREAM_ROWS = 50


@router.get("/alerts")
def alert_queue(
    request: Request, db: DbSession, caller: Annotated[Principal, require(ALERTS_READ)],
    alert_status: Annotated[AlertStatus | Literal[""], Query(alias="status")] = AlertStatus.OPEN,
    severity: AlertSeverity | Literal[""] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The open alerts first; an empty filter ("any") is no filter."""
    alerts, total = risk_service.list_alerts(db, status=alert_status or None,
                                             severity=severity or None,
                                             limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    filters = {"status": alert_status.value if alert_status else "",
               "severity": severity.value if severity else ""}
    return render(
        request, "risk/alerts.html", current_nav="risk_alerts", alerts=alerts, total=total,
        page=page, pages=max(1, -(-total // PER_PAGE)), filters=filters,
        statuses=list(AlertStatus), severities=list(AlertSeverity),
        can_work=caller.can(ALERTS_WORK),
        notice_key=notice_key(notice, frozenset({"acknowledged"})),
    )


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[CsrfProtected])
def acknowledge(
    db: DbSession, caller: Annotated[Principal, require(ALERTS_WORK)], alert_id: str,
) -> Response:
    risk_service.acknowledge_alert(db, actor=caller.actor, alert_id=alert_id, now=utcnow())
    return RedirectResponse(f"{BASE}/alerts?{urlencode({'notice': 'acknowledged'})}",
                            status_code=303)


@router.get("/decisions")
def live_decisions(
    request: Request, db: DbSession,
    caller: Annotated[Principal, require(TRANSACTIONS_READ)],
) -> Response:
    """The newest decisions, rendered here; ``risk.js`` then polls ``/api/v1/decisions``."""
    return render(request, "risk/decisions.html", current_nav="risk_decisions",
                  decisions=risk_service.recent_decisions(db, limit=STREAM_ROWS))
