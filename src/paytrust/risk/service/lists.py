"""Block and allow lists: entries with expiry, bulk import and the rows the engine snapshots.

Every change is audited and, once committed, announced with ``risk.lists_changed`` so the
scorers of this process reload their lists snapshot; other processes catch up through the
periodic ``change_stamp`` check.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.errors import Conflict, NotFound, ValidationFailed
from paytrust.platform.events import bus
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.events import ListsChanged
from paytrust.risk.models import RiskListEntry
from paytrust.risk.schemas import ImportRowError, ListEntryCreate, ListImportResult

MAX_IMPORT_ROWS = 100_000
IMPORT_FIELDS = ("kind", "action", "value", "reason", "expires_at")

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CARD_BIN = re.compile(r"^[0-9]{4,8}$")


def _normalise_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False).compressed)
    except ValueError as error:
        raise ValueError("not an IP address or network") from error


def _normalise_pattern(pattern: re.Pattern[str], message: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(message)
        return value

    return check


_VALUE_NORMALISERS: dict[ListKind, Callable[[str], str]] = {
    ListKind.IP: _normalise_ip,
    ListKind.COUNTRY: _normalise_pattern(_COUNTRY, "expected an ISO 3166-1 alpha-2 code"),
    ListKind.BIN: _normalise_pattern(_CARD_BIN, "expected 4 to 8 digits"),
}


def normalise_value(kind: ListKind, value: str) -> str:
    """The canonical form of ``value`` (upper-case countries, compressed IPs); ValueError if
    it cannot be one."""
    value = value.strip()
    if kind is ListKind.COUNTRY:
        value = value.upper()
    if kind is ListKind.NAME:
        value = " ".join(value.casefold().split())
    if not value:
        raise ValueError("must not be empty")
    normaliser = _VALUE_NORMALISERS.get(kind)
    return normaliser(value) if normaliser else value


def _checked(entry: ListEntryCreate, now: datetime) -> ListEntryCreate:
    try:
        value = normalise_value(entry.kind, entry.value)
    except ValueError as error:
        raise ValidationFailed(f"value: {error}", field="value") from error
    if entry.expires_at is not None and entry.expires_at <= now:
        raise ValidationFailed("expires_at: must be in the future", field="expires_at")
    return entry.model_copy(update={"value": value})


def _active_clause(now: datetime) -> Any:
    return (RiskListEntry.removed_at.is_(None)) & (
        RiskListEntry.expires_at.is_(None) | (RiskListEntry.expires_at > now)
    )


def _active_keys(session: Session, now: datetime) -> set[tuple[str, str, str]]:
    rows = session.execute(
        select(RiskListEntry.kind, RiskListEntry.action, RiskListEntry.value).where(
            _active_clause(now)
        )
    )
    return {(kind, action, value) for kind, action, value in rows}


def _entry_row(actor: str, entry: ListEntryCreate, now: datetime) -> RiskListEntry:
    return RiskListEntry(
        kind=entry.kind.value, action=entry.action.value, value=entry.value, reason=entry.reason,
        expires_at=entry.expires_at, created_by=actor, created_at=now,
    )


def _announce(session: Session, entries_changed: int) -> None:
    bus.publish(session, ListsChanged(entries_changed=entries_changed))


def add_list_entry(
    session: Session, *, actor: str, entry: ListEntryCreate, now: datetime
) -> RiskListEntry:
    """Put one value on a list; an identical active entry is a conflict."""
    entry = _checked(entry, now)
    if (entry.kind.value, entry.action.value, entry.value) in _active_keys(session, now):
        raise Conflict(
            f"{entry.value!r} is already on the {entry.kind.value} {entry.action.value} list",
            field="value",
        )
    row = _entry_row(actor, entry, now)
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="risk.list_entry.added", entity_type="risk_list_entry",
        entity_id=row.id, after=entry.model_dump(mode="json"),
    )
    _announce(session, 1)
    return row


def remove_list_entry(
    session: Session, *, actor: str, entry_id: str, now: datetime
) -> RiskListEntry:
    row = session.get(RiskListEntry, entry_id)
    if row is None or row.removed_at is not None:
        raise NotFound(f"no active list entry {entry_id!r}")
    row.removed_at, row.removed_by = now, actor
    audit.record(
        session, actor=actor, action="risk.list_entry.removed", entity_type="risk_list_entry",
        entity_id=row.id, before={"kind": row.kind, "action": row.action, "value": row.value},
    )
    _announce(session, 1)
    return row


def _parse_rows(content: str, content_format: str) -> list[dict[str, Any]]:
    if content_format == "json":
        try:
            rows = json.loads(content)
        except json.JSONDecodeError as error:
            raise ValidationFailed(
                f"not JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                field="body",
            ) from error
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValidationFailed("expected a JSON array of objects", field="body")
        return rows
    if content_format == "csv":
        reader = csv.DictReader(io.StringIO(content))
        unknown = set(reader.fieldnames or ()) - set(IMPORT_FIELDS)
        if unknown or not reader.fieldnames:
            raise ValidationFailed(
                f"CSV header must use the columns {', '.join(IMPORT_FIELDS)}", field="header"
            )
        return [{k: v for k, v in row.items() if v not in (None, "")} for row in reader]
    raise ValidationFailed(f"unknown import format {content_format!r}", field="format")


def _row_errors(row_number: int, error: ValidationError) -> list[ImportRowError]:
    return [
        ImportRowError(
            row=row_number,
            field=".".join(str(part) for part in detail["loc"]) or "row",
            message=detail["msg"],
        )
        for detail in error.errors()
    ]


def _validated_rows(
    rows: Iterable[dict[str, Any]], now: datetime
) -> tuple[list[ListEntryCreate], list[ImportRowError]]:
    entries: list[ListEntryCreate] = []
    errors: list[ImportRowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row_number, raw in enumerate(rows, start=1):
        try:
            entry = _checked(ListEntryCreate.model_validate(raw), now)
        except ValidationError as error:
            errors.extend(_row_errors(row_number, error))
            continue
        except ValidationFailed as error:
            errors.append(ImportRowError(row=row_number, field=error.field or "row",
                                         message=error.detail))
            continue
        key = (entry.kind.value, entry.action.value, entry.value)
        if key in seen:
            errors.append(ImportRowError(
                row=row_number, field="value", message=f"duplicate of row {seen[key]}"
            ))
            continue
        seen[key] = row_number
        entries.append(entry)
    return entries, errors


def import_list_entries(
    session: Session, *, actor: str, content: str, content_format: str, now: datetime
) -> ListImportResult:
    """Import CSV or JSON rows all-or-nothing: any bad row rejects the whole file, and the
    error names every bad row and field. Values already on their list are counted, not added."""
    rows = _parse_rows(content, content_format)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(f"at most {MAX_IMPORT_ROWS} rows per import", field="body")
    entries, errors = _validated_rows(rows, now)
    if errors:
        first = errors[0]
        raise ValidationFailed(
            f"{len(errors)} invalid row(s); nothing imported. Row {first.row}, "
            f"{first.field}: {first.message}",
            field=first.field, errors=[e.model_dump() for e in errors],
        )
    active = _active_keys(session, now)
    new = [e for e in entries if (e.kind.value, e.action.value, e.value) not in active]
    session.add_all(_entry_row(actor, entry, now) for entry in new)
    audit.record(
        session, actor=actor, action="risk.list_entries.imported",
        entity_type="risk_list_entry", entity_id="bulk",
        after={
            "imported": len(new), "already_present": len(entries) - len(new),
            "sha256": hashlib.sha256(content.encode()).hexdigest(),
        },
    )
    if new:
        _announce(session, len(new))
    return ListImportResult(imported=len(new), already_present=len(entries) - len(new))


def list_entries(
    session: Session, *, now: datetime, kind: ListKind | None = None,
    action: ListAction | None = None, include_inactive: bool = False,
    limit: int = 100, offset: int = 0,
) -> tuple[list[RiskListEntry], int]:
    """Entries newest first, with the total matching count."""
    query = select(RiskListEntry)
    if kind is not None:
        query = query.where(RiskListEntry.kind == kind.value)
    if action is not None:
        query = query.where(RiskListEntry.action == action.value)
    if not include_inactive:
        query = query.where(_active_clause(now))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(RiskListEntry.created_at.desc(), RiskListEntry.id)
        .limit(limit).offset(offset)
    ).all()
    return list(page), total


def active_list_rows(session: Session, now: datetime) -> list[dict[str, object]]:
    """Every entry in force at ``now`` as the plain rows ``engine.lists.load_lists`` takes;
    they keep ``expires_at`` so an entry expiring between two reloads stops matching on time."""
    rows = session.execute(
        select(RiskListEntry.kind, RiskListEntry.action, RiskListEntry.value,
               RiskListEntry.expires_at).where(_active_clause(now))
    )
    return [
        {"kind": kind, "action": action, "value": value, "expires_at": expires_at}
        for kind, action, value, expires_at in rows
    ]


def lists_stamp(session: Session) -> str:
    """Changes whenever an entry is added or removed (a cheap query for the periodic check)."""
    count, last_added, last_removed = session.execute(
        select(func.count(), func.max(RiskListEntry.created_at),
               func.max(RiskListEntry.removed_at))
    ).one()
    return f"{count}|{last_added}|{last_removed}"

