"""One runner at a time: a lease row taken by an atomic conditional UPDATE.

``UPDATE ... SET holder = me WHERE name = :name AND (expires_at < :now OR holder = me)`` changes
one row for exactly one contender on SQLite (single writer) and PostgreSQL (the row lock makes
the second UPDATE re-check its WHERE). A holder that dies simply stops renewing; once
``expires_at`` passes, another runner takes over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.exc import IntegrityError

from paytrust.platform.db import Database
from paytrust.platform.jobs.models import JobLease
from paytrust.platform.jobs.registry import Clock

RELEASED_AT = datetime(1970, 1, 1, tzinfo=UTC)


class Lease:
    def __init__(
        self, database: Database, name: str, holder: str, *, ttl: timedelta, clock: Clock
    ) -> None:
        self.database = database
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.clock = clock

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, or extend it if already ours."""
        now = self.clock()
        statement = (
            update(JobLease)
            .where(
                JobLease.name == self.name,
                or_(JobLease.expires_at < now, JobLease.holder == self.holder),
            )
            .values(holder=self.holder, expires_at=now + self.ttl)
            .execution_options(synchronize_session=False)
        )
        with self.database.session_scope() as session:
            result = session.execute(statement)
            assert isinstance(result, CursorResult)
            if result.rowcount == 1:
                return True
            if session.get(JobLease, self.name) is not None:
                return False  # held by someone else
        return self._create(now)

    renew = acquire

    def _create(self, now: datetime) -> bool:
        """First use of this lease name: insert it; losing the insert race means not ours."""
        try:
            with self.database.session_scope() as session:
                session.add(JobLease(name=self.name, holder=self.holder, expires_at=now + self.ttl))
        except IntegrityError:
            return False
        return True

    def release(self) -> None:
        with self.database.session_scope() as session:
            session.execute(
                update(JobLease)
                .where(JobLease.name == self.name, JobLease.holder == self.holder)
                .values(expires_at=RELEASED_AT)
                .execution_options(synchronize_session=False)
            )
