"""The audit trail as auditors read it: filtered, newest first, paged by sequence number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform.audit import AuditEntry


def list_audit_entries(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first; the next page starts ``before_seq`` the last entry of this one."""
    statement = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if entity_type:
        statement = statement.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    if actor:
        statement = statement.where(AuditEntry.actor == actor)
    if before_seq:
        statement = statement.where(AuditEntry.seq < before_seq)
    return list(session.scalars(statement))
