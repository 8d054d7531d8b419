"""The job runner: one process at a time runs due jobs, drains the outbox and runs the pumps."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform.db import Database, utcnow
from paytrust.platform.jobs.lease import Lease
from paytrust.platform.jobs.models import Job
from paytrust.platform.jobs.outbox import describe_error, drain_outbox
from paytrust.platform.jobs.registry import Clock, JobRegistry, JobSpec, registry

log = logging.getLogger(__name__)

LEASE_NAME = "job-runner"
DEFAULT_LEASE_TTL = timedelta(seconds=60)


class LeaseUnavailable(Exception):
    """Another runner holds the lease."""


@dataclass
class RunSummary:
    jobs_succeeded: list[str] = field(default_factory=list)
    jobs_failed: list[str] = field(default_factory=list)
    outbox_processed: int = 0
    pumped: dict[str, int] = field(default_factory=dict)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    def __init__(
        self,
        database: Database,
        clock: Clock = utcnow,
        *,
        job_registry: JobRegistry | None = None,
        holder: str | None = None,
        lease_ttl: timedelta = DEFAULT_LEASE_TTL,
    ) -> None:
        self.database = database
        self.clock = clock
        self.registry = job_registry or registry
        self.lease = Lease(database, LEASE_NAME, holder or default_holder(), ttl=lease_ttl,
                           clock=clock)

    def run_once(self) -> RunSummary | None:
        """One tick; ``None`` when another runner holds the lease. Never raises for a job's
        failure: that is recorded on its row."""
        if not self.lease.acquire():
            return None
        summary = RunSummary()
        self._sync_schedule()
        for name in self._due_job_names():
            if not self.lease.renew():
                return summary  # lost the lease (we stalled past its expiry): stop at once
            succeeded = self._run_job(self.registry.jobs[name])
            (summary.jobs_succeeded if succeeded else summary.jobs_failed).append(name)
        if self.lease.renew():
            summary.outbox_processed = drain_outbox(self.database, self.clock, self.registry)
        for pump_name, pump in self.registry.pumps.items():
            if not self.lease.renew():
                break
            summary.pumped[pump_name] = pump(self.database, self.clock)
        return summary

    def run_forever(self, stop: threading.Event, *, poll_interval_s: float = 1.0) -> None:
        """Tick until ``stop`` is set; a tick's unexpected error is logged, not fatal."""
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    log.exception("job runner tick failed")
                stop.wait(poll_interval_s)
        finally:
            self.lease.release()

    def run_now(self, name: str) -> bool:
        """Run one registered job immediately, whatever its schedule (``paytrust jobs run``)."""
        spec = self.registry.jobs.get(name)
        if spec is None:
            raise KeyError(name)
        if not self.lease.acquire():
            raise LeaseUnavailable("another runner holds the job lease; try again shortly")
        try:
            self._sync_schedule()
            return self._run_job(spec)
        finally:
            self.lease.release()

    def _sync_schedule(self) -> None:
        """Persist each registered job; a changed schedule takes effect from now."""
        now = self.clock()
        with self.database.session_scope() as session:
            rows = {job.name: job for job in session.scalars(select(Job))}
            for spec in self.registry.jobs.values():
                schedule = spec.schedule
                row = rows.get(spec.name)
                if row is None:
                    session.add(Job(
                        name=spec.name, interval_seconds=schedule.interval_seconds,
                        daily_at=schedule.daily_at_text, next_run_at=schedule.first_run_at(now),
                    ))
                elif (row.interval_seconds, row.daily_at) != (
                    schedule.interval_seconds, schedule.daily_at_text
                ):
                    row.interval_seconds = schedule.interval_seconds
                    row.daily_at = schedule.daily_at_text
                    row.next_run_at = schedule.first_run_at(now)

    def _due_job_names(self) -> list[str]:
        with self.database.session_scope() as session:
            names = session.scalars(
                select(Job.name)
                .where(Job.enabled.is_(True), Job.next_run_at <= self.clock())
                .order_by(Job.next_run_at)
            ).all()
        return [name for name in names if name in self.registry.jobs]

    def _run_job(self, spec: JobSpec) -> bool:
        """The job's work and its 'done' mark commit together; a failure is recorded apart."""
        started_at = self.clock()
        try:
            with self.database.session_scope() as session:
                spec.func(session)
                _record_outcome(session, spec, started_at, status="succeeded", error=None)
            return True
        except Exception as error:
            log.exception("job %s failed", spec.name)
            with self.database.session_scope() as session:
                _record_outcome(session, spec, started_at, status="failed",
                                error=describe_error(error))
            return False


def list_jobs(session: Session) -> Sequence[Job]:
    return session.scalars(select(Job).order_by(Job.name)).all()


def _record_outcome(
    session: Session, spec: JobSpec, started_at: datetime, *, status: str, error: str | None
) -> None:
    job = session.scalars(select(Job).where(Job.name == spec.name)).one()
    job.last_run_at = started_at
    job.last_status = status
    job.last_error = error
    job.next_run_at = spec.schedule.next_run_after(started_at)
