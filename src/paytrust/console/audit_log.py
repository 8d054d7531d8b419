"""Read-only views of the platform audit trail for the console (the trail is written only by
``platform.audit.record``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from paytrust.platform.audit import AuditEntry

PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    page: int
    pages: int
    total: int


def _filters(actor: str | None, action: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if actor:
        conditions.append(AuditEntry.actor.contains(actor, autoescape=True))
    if action:
        conditions.append(AuditEntry.action.contains(action, autoescape=True))
    return conditions


def audit_page(
    session: Session, *, actor: str | None, action: str | None, page: int,
    per_page: int = PER_PAGE,
) -> AuditPage:
    """One page of entries, newest first, whose actor / action contain the given text."""
    conditions = _filters(actor, action)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.seq.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return AuditPage(tuple(entries), page, pages, total)


def audit_entry_count(session: Session, *, since: datetime | None = None) -> int:
    statement = select(func.count()).select_from(AuditEntry)
    if since is not None:
        statement = statement.where(AuditEntry.occurred_at >= since)
    return session.scalar(statement) or 0
