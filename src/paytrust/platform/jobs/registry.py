"""What the runner knows how to do: periodic jobs, outbox handlers and per-tick pumps.

Modules register at import time of their ``jobs.py`` (``paytrust.worker`` imports them all).
Tests build their own :class:`JobRegistry` so registrations never leak between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from paytrust.platform.db import Database

Clock = Callable[[], datetime]
JobFunc = Callable[[Session], None]
OutboxHandler = Callable[[Session, dict[str, Any]], None]
# A pump drains its own queue on every tick, managing its own units of work; returns work done.
Pump = Callable[[Database, Clock], int]


@dataclass(frozen=True)
class Schedule:
    """Either every ``interval`` or once a day at ``daily_at`` (UTC)."""

    interval: timedelta | None = None
    daily_at: time | None = None

    def __post_init__(self) -> None:
        if (self.interval is None) == (self.daily_at is None):
            raise ValueError("a schedule needs exactly one of 'every' or 'daily_at'")
        if self.interval is not None and self.interval < timedelta(seconds=1):
            raise ValueError("a job interval must be at least one second")

    @property
    def interval_seconds(self) -> int | None:
        return None if self.interval is None else int(self.interval.total_seconds())

    @property
    def daily_at_text(self) -> str | None:
        return None if self.daily_at is None else self.daily_at.strftime("%H:%M")

    def first_run_at(self, now: datetime) -> datetime:
        """Interval jobs start at once; daily jobs wait for their time of day."""
        return now if self.interval is not None else self.next_run_after(now)

    def next_run_after(self, moment: datetime) -> datetime:
        if self.interval is not None:
            return moment + self.interval
        assert self.daily_at is not None
        moment = moment.astimezone(UTC)
        today = datetime.combine(moment.date(), self.daily_at, tzinfo=UTC)
        return today if today > moment else today + timedelta(days=1)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    schedule: Schedule


@dataclass
class JobRegistry:
    jobs: dict[str, JobSpec] = field(default_factory=dict)
    handlers: dict[str, OutboxHandler] = field(default_factory=dict)
    pumps: dict[str, Pump] = field(default_factory=dict)

    def copy(self) -> JobRegistry:
        """A registry to extend for one runner without touching the process-wide one."""
        return JobRegistry(dict(self.jobs), dict(self.handlers), dict(self.pumps))

    def register_job(
        self, name: str, func: JobFunc, *,
        every: timedelta | None = None, daily_at: time | None = None,
    ) -> JobSpec:
        """Run ``func(session)`` periodically, each run one unit of work."""
        spec = JobSpec(name, func, Schedule(interval=every, daily_at=daily_at))
        _refuse_duplicate(self.jobs, name, func, "job")
        self.jobs[name] = spec
        return spec

    def register_handler(self, topic: str, handler: OutboxHandler) -> None:
        """Process outbox rows of ``topic`` with ``handler(session, payload)``."""
        _refuse_duplicate(self.handlers, topic, handler, "outbox handler")
        self.handlers[topic] = handler

    def register_pump(self, name: str, pump: Pump) -> None:
        _refuse_duplicate(self.pumps, name, pump, "pump")
        self.pumps[name] = pump


def _refuse_duplicate(existing: dict[str, Any], name: str, func: Any, what: str) -> None:
    """Re-registering the same function (a module imported twice) is fine; another is a bug."""
    current = existing.get(name)
    if current is None:
        return
    current_func = current.func if isinstance(current, JobSpec) else current
    if current_func is not func:
        raise ValueError(f"{what} {name!r} registered twice")


registry = JobRegistry()
