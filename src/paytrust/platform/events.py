"""In-process domain event bus.

Events are small frozen dataclasses (ids and values, never ORM objects). ``publish`` queues an
event on the unit of work; it is delivered only after that unit commits and dropped if it rolls
back. A failing handler is logged and retried; it never affects the publisher. Work that must
not be lost is written as an outbox row in the same transaction instead (see ``jobs``).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING_KEY = "paytrust_pending_events"
HANDLER_ATTEMPTS = 3


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event; subclasses set ``name`` (e.g. ``"alert.created"``)."""

    name: ClassVar[str] = "event"


Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, name: str, handler: Handler) -> None:
        """Call ``handler(event)`` for every delivered event called ``name`` (``"*"``: all)."""
        self._handlers[name].append(handler)

    def wants(self, name: str) -> bool:
        """Whether an event called ``name`` has a handler: a publisher may then skip
        building events nobody receives."""
        return bool(self._handlers.get(name) or self._handlers.get("*"))

    def unsubscribe_all(self) -> None:
        self._handlers.clear()

    def publish(self, session: Session, event: DomainEvent) -> None:
        """Queue ``event`` for delivery after ``session`` commits."""
        session.info.setdefault(_PENDING_KEY, []).append(event)

    def deliver(self, event: DomainEvent) -> None:
        """Deliver now; for publishers outside any unit of work (e.g. the scoring hot path)."""
        for handler in [*self._handlers.get(event.name, ()), *self._handlers.get("*", ())]:
            self._call_with_retry(handler, event)

    @staticmethod
    def _call_with_retry(handler: Handler, event: DomainEvent) -> None:
        for attempt in range(1, HANDLER_ATTEMPTS + 1):
            try:
                handler(event)
                return
            except Exception:
                log.exception(
                    "event handler %r failed on %s (attempt %d/%d)",
                    handler, event.name, attempt, HANDLER_ATTEMPTS,
                )
                time.sleep(0.01 * attempt)


bus = EventBus()


@sa_event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    pending: list[DomainEvent] = session.info.pop(_PENDING_KEY, [])
    for event in pending:
        bus.deliver(event)


@sa_event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
