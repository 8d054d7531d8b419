"""The audit trail page and the dashboard tiles that count it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from paytrust.console.audit_log import audit_entry_count, audit_page
from paytrust.console.navigation import NavEntry, define_group, register
from paytrust.console.permissions import AUDIT_VIEW
from paytrust.console.templating import render
from paytrust.console.tiles import Tile, register_tile
from paytrust.platform.db import utcnow
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal

router = api_router(prefix="/console", tags=["console"], include_in_schema=False)

Auditor = Annotated[Principal, require(AUDIT_VIEW)]
SearchText = Annotated[str, Query(max_length=100)]

define_group("oversight", "nav.group.oversight", order=80)
register(NavEntry("audit", "nav.audit", "/console/audit", AUDIT_VIEW, "oversight", "shield"))


def _all_entries(db: Session, _principal: Principal) -> int:
    return audit_entry_count(db)


def _entries_last_day(db: Session, _principal: Principal) -> int:
    return audit_entry_count(db, since=utcnow() - timedelta(days=1))


register_tile(Tile("audit_total", "dashboard.tile.audit_total", AUDIT_VIEW, _all_entries,
                   url="/console/audit", order=100))
register_tile(Tile("audit_last_day", "dashboard.tile.audit_last_day", AUDIT_VIEW,
                   _entries_last_day, url="/console/audit", order=110))


@router.get("/audit")
def audit_trail(
    request: Request,
    db: DbSession,
    _caller: Auditor,
    actor: SearchText = "",
    action: SearchText = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    found = audit_page(db, actor=actor.strip() or None, action=action.strip() or None, page=page)
    return render(request, "console/audit.html", current_nav="audit", found=found,
                  filters={"actor": actor, "action": action})
