"""Append-only, hash-chained audit trail.

Every state change in every module calls :func:`record` in the same unit of work. Each entry
carries ``prev_hash`` and ``entry_hash = HMAC(secret, prev_hash | canonical(entry))``; the single
``platform_audit_head`` row holds the sequence and hash of the newest entry. Updating the head
first serialises concurrent writers (a row lock on PostgreSQL, the write lock on SQLite), so the
chain never forks. :func:`verify` detects an edited, inserted or deleted entry, including the
newest one (the head would disagree).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from paytrust.config import get_settings
from paytrust.platform.db import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "platform_audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    entity_type: Mapped[str] = mapped_column(String(100), index=True)
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "platform_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _chain_key() -> bytes:
    secret = get_settings().secret_key.get_secret_value().encode()
    return hashlib.sha256(b"paytrust-audit-chain\x00" + secret).digest()


def _entry_hash(key: bytes, prev_hash: str, entry: AuditEntry) -> str:
    fields = [
        str(entry.seq), entry.occurred_at.isoformat(), entry.actor, entry.action,
        entry.entity_type, entry.entity_id, entry.before_json or "", entry.after_json or "",
    ]
    message = prev_hash.encode() + b"\x1e" + "\x1f".join(fields).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _advance_head(session: Session) -> tuple[int, str]:
    statement = (
        update(AuditHead).where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    )
    row = session.execute(statement).one_or_none()
    if row is None:
        session.execute(insert(AuditHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
        row = session.execute(statement).one()
    return int(row[0]), str(row[1])


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry (who, what, when, before/after) in the caller's unit of work."""
    seq, prev_hash = _advance_head(session)
    entry = AuditEntry(
        seq=seq, occurred_at=utcnow(), actor=actor, action=action,
        entity_type=entity_type, entity_id=str(entity_id),
        before_json=_canonical(before), after_json=_canonical(after), prev_hash=prev_hash,
    )
    entry.entry_hash = _entry_hash(_chain_key(), prev_hash, entry)
    session.add(entry)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_hash=entry.entry_hash)
    )
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    entries_checked: int
    breaks: tuple[ChainBreak, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks


def _iter_entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session) -> VerifyReport:
    """Recompute the whole chain; report every place where it does not hold."""
    key = _chain_key()
    breaks: list[ChainBreak] = []
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for entry in _iter_entries(session):
        count += 1
        if entry.seq != expected_seq:
            missing = f"entries {expected_seq}..{entry.seq - 1} missing"
            breaks.append(ChainBreak(expected_seq, missing))
        if entry.prev_hash != prev_hash:
            breaks.append(ChainBreak(entry.seq, "previous hash differs: removed or reordered"))
        if _entry_hash(key, entry.prev_hash, entry) != entry.entry_hash:
            breaks.append(ChainBreak(entry.seq, "content does not match its hash: entry edited"))
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        breaks.append(ChainBreak(head_seq, "chain head differs from the newest entry: deletion"))
    return VerifyReport(entries_checked=count, breaks=tuple(breaks))
