"""Console pages of the risk module: rule editor, lists, live decisions, alert queue.

Pages render their first state on the server from the same service calls the API makes;
the buttons on them call the JSON API (``/api/v1``) so there is one code path per action.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paytrust.platform.db import utcnow
from paytrust.platform.errors import NotFound
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.enums import AlertStatus
from paytrust.risk.permissions import ALERTS_READ, LISTS_READ, RULES_READ, TRANSACTIONS_READ

router = api_router(prefix="/console/risk", tags=["console"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _page(request: Request, template: str, caller: Principal, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, f"risk/{template}.html", {"caller": caller, **context}
    )


@router.get("/rules", response_class=HTMLResponse)
def rule_editor(
    request: Request, db: DbSession, caller: Annotated[Principal, require(RULES_READ)],
    name: str = "default",
) -> HTMLResponse:
    active = risk_service.active_ruleset(db)
    try:
        versions = risk_service.list_ruleset_versions(db, name)
    except NotFound:
        versions = []
    if active is not None and active.name == name:
        text = active.yaml
    else:
        text = versions[0].yaml if versions else risk_service.default_pack_yaml()
    return _page(request, "rules", caller, name=name, yaml_text=text, versions=versions,
                 can_edit=caller.can("risk.rules.edit"),
                 precision=risk_service.rule_precision(db))


@router.get("/lists", response_class=HTMLResponse)
def list_management(
    request: Request, db: DbSession, caller: Annotated[Principal, require(LISTS_READ)],
) -> HTMLResponse:
    entries, total = risk_service.list_entries(db, now=utcnow(), limit=500)
    return _page(request, "lists", caller, entries=entries, total=total,
                 kinds=list(ListKind), actions=list(ListAction),
                 can_edit=caller.can("risk.lists.edit"))


@router.get("/decisions", response_class=HTMLResponse)
def live_decisions(
    request: Request, db: DbSession,
    caller: Annotated[Principal, require(TRANSACTIONS_READ)],
) -> HTMLResponse:
    return _page(request, "decisions", caller,
                 decisions=risk_service.recent_decisions(db, limit=50))


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue(
    request: Request, db: DbSession, caller: Annotated[Principal, require(ALERTS_READ)],
) -> HTMLResponse:
    alerts, total = risk_service.list_alerts(db, status=AlertStatus.OPEN, limit=100)
    return _page(request, "alerts", caller, alerts=alerts, total=total,
                 can_work=caller.can("risk.alerts.work"))
