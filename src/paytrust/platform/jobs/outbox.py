"""The transactional outbox: enqueue in the caller's unit of work, drain in the job runner.

A row is written in the same transaction as the change that causes it, so it exists exactly when
that change committed. The runner processes each due row in its own unit of work; a failing
handler leaves the row for a later attempt with exponential backoff. Handlers must therefore be
idempotent: a row is processed at least once.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform.db import Database
from paytrust.platform.jobs.models import OutboxMessage
from paytrust.platform.jobs.registry import Clock, JobRegistry

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
ERROR_TEXT_LIMIT = 2000


def retry_delay(
    attempts: int, *, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP
) -> timedelta:
    """Exponential backoff after ``attempts`` failures: base, 2·base, 4·base ... up to ``cap``."""
    delay: timedelta = base * (2 ** max(attempts - 1, 0))
    return min(delay, cap)


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_TEXT_LIMIT]


def enqueue(
    session: Session, topic: str, payload: dict[str, Any], *, available_at: datetime | None = None
) -> OutboxMessage:
    """Queue ``payload`` (ids and small JSON values) for the ``topic`` handler."""
    json.dumps(payload)  # fail here, at the caller, rather than at commit
    message = OutboxMessage(topic=topic, payload=payload)
    if available_at is not None:
        message.available_at = available_at
    session.add(message)
    return message


class UnhandledTopic(Exception):
    pass


def drain_outbox(
    database: Database, clock: Clock, registry: JobRegistry, *, batch_size: int = 100
) -> int:
    """Process the due rows (oldest first); returns how many were processed successfully."""
    now = clock()
    with database.session_scope() as session:
        due_ids = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.processed_at.is_(None), OutboxMessage.available_at <= now)
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
            .limit(batch_size)
        ).all()
    return sum(_process(database, clock, registry, message_id) for message_id in due_ids)


def _process(database: Database, clock: Clock, registry: JobRegistry, message_id: int) -> bool:
    try:
        with database.session_scope() as session:
            message = session.get(OutboxMessage, message_id, with_for_update={"skip_locked": True})
            if message is None or message.processed_at is not None:
                return False  # taken by another runner meanwhile
            handler = registry.handlers.get(message.topic)
            if handler is None:
                raise UnhandledTopic(f"no handler registered for topic {message.topic!r}")
            handler(session, dict(message.payload))
            message.attempts += 1
            message.processed_at = clock()
        return True
    except Exception as error:
        log.exception("outbox message %s failed", message_id)
        _record_failure(database, clock, message_id, error)
        return False


def _record_failure(
    database: Database, clock: Clock, message_id: int, error: Exception
) -> None:
    with database.session_scope() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        message.attempts += 1
        message.last_error = describe_error(error)
        message.available_at = clock() + retry_delay(message.attempts)
