"""The job runner: persisted schedule, one runner at a time, the transactional outbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paytrust.platform import jobs
from paytrust.platform.db import Database
from paytrust.platform.jobs import Job, JobRegistry, JobRunner, Lease, OutboxMessage, Schedule
from tests.platform.conftest import FakeClock

MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def runner(database: Database, clock: FakeClock, registry: JobRegistry, holder: str,
           ttl: timedelta = timedelta(seconds=60)) -> JobRunner:
    return JobRunner(database, clock, job_registry=registry, holder=holder, lease_ttl=ttl)


def job_row(database: Database, name: str) -> Job:
    with database.session_scope() as session:
        return session.scalars(select(Job).where(Job.name == name)).one()


def count_outbox(database: Database) -> int:
    with database.session_scope() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


# --- schedules -------------------------------------------------------------------------------

def test_interval_schedule_runs_at_once_then_every_interval() -> None:
    schedule = Schedule(interval=timedelta(minutes=5))

    assert schedule.first_run_at(MIDNIGHT) == MIDNIGHT
    assert schedule.next_run_after(MIDNIGHT) == MIDNIGHT + timedelta(minutes=5)


@pytest.mark.parametrize(("now", "expected"), [
    (MIDNIGHT, MIDNIGHT.replace(hour=2, minute=30)),
    (MIDNIGHT.replace(hour=2, minute=30), MIDNIGHT.replace(hour=2, minute=30) + timedelta(days=1)),
    (MIDNIGHT.replace(hour=23), MIDNIGHT.replace(hour=2, minute=30) + timedelta(days=1)),
])
def test_daily_schedule_waits_for_its_time_of_day(now: datetime, expected: datetime) -> None:
    schedule = Schedule(daily_at=time(2, 30))

    assert schedule.first_run_at(now) == expected
    assert schedule.next_run_after(now) == expected


@pytest.mark.parametrize("kwargs", [{}, {"interval": timedelta(0)},
                                    {"interval": timedelta(1), "daily_at": time(1)}])
def test_schedule_needs_exactly_one_sensible_rule(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"schedule|interval"):
        Schedule(**kwargs)


def test_registering_another_function_under_a_taken_name_is_refused() -> None:
    registry = JobRegistry()
    registry.register_job("report", lambda session: None, every=timedelta(hours=1))

    with pytest.raises(ValueError, match="registered twice"):
        registry.register_job("report", lambda session: None, every=timedelta(hours=1))


def test_retry_delay_doubles_up_to_its_cap() -> None:
    delays = [jobs.retry_delay(n) for n in range(1, 10)]

    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == timedelta(hours=1)


# --- the runner ------------------------------------------------------------------------------

def test_due_job_runs_and_its_next_run_is_computed_from_the_injected_clock(
    database: Database, clock: FakeClock
) -> None:
    registry, runs = JobRegistry(), []
    registry.register_job("tick", lambda session: runs.append(clock()),
                          every=timedelta(minutes=10))
    worker = runner(database, clock, registry, "a")

    assert worker.run_once() is not None
    clock.advance(timedelta(minutes=9))
    worker.run_once()
    clock.advance(timedelta(minutes=1))
    summary = worker.run_once()

    assert summary is not None
    assert summary.jobs_succeeded == ["tick"]
    assert len(runs) == 2
    row = job_row(database, "tick")
    assert (row.last_status, row.last_run_at) == ("succeeded", clock())
    assert row.next_run_at == clock() + timedelta(minutes=10)


def test_changing_a_jobs_schedule_takes_effect_on_the_next_tick(
    database: Database, clock: FakeClock
) -> None:
    registry = JobRegistry()
    registry.register_job("report", lambda session: None, every=timedelta(hours=1))
    runner(database, clock, registry, "a").run_once()

    changed = JobRegistry()
    changed.register_job("report", lambda session: None, daily_at=time(6, 0))
    runner(database, clock, changed, "a").run_once()

    row = job_row(database, "report")
    assert (row.interval_seconds, row.daily_at) == (None, "06:00")
    assert row.next_run_at == Schedule(daily_at=time(6, 0)).next_run_after(clock())


def test_failing_job_is_recorded_not_raised_and_its_work_rolled_back(
    database: Database, clock: FakeClock
) -> None:
    def half_done_then_broken(session: Session) -> None:
        jobs.enqueue(session, "never", {"half": "done"})
        raise RuntimeError("upstream report service down")

    registry = JobRegistry()
    registry.register_job("report", half_done_then_broken, every=timedelta(minutes=5))

    summary = runner(database, clock, registry, "a").run_once()

    assert summary is not None
    assert summary.jobs_failed == ["report"]
    row = job_row(database, "report")
    assert row.last_status == "failed"
    assert row.last_error == "RuntimeError: upstream report service down"
    assert row.next_run_at == clock() + timedelta(minutes=5)
    assert count_outbox(database) == 0


def test_disabled_job_does_not_run(database: Database, clock: FakeClock) -> None:
    registry, runs = JobRegistry(), []
    registry.register_job("tick", lambda session: runs.append(1), every=timedelta(minutes=1))
    worker = runner(database, clock, registry, "a")
    worker.run_once()
    with database.session_scope() as session:
        session.scalars(select(Job)).one().enabled = False
    clock.advance(timedelta(minutes=5))

    worker.run_once()

    assert runs == [1]


def test_second_runner_does_nothing_while_the_first_holds_the_lease(
    database: Database, clock: FakeClock
) -> None:
    registry, runs = JobRegistry(), []
    registry.register_job("tick", lambda session: runs.append(1), every=timedelta(seconds=1))
    first, second = runner(database, clock, registry, "a"), runner(database, clock, registry, "b")

    assert first.run_once() is not None
    clock.advance(timedelta(seconds=5))

    assert second.run_once() is None
    assert first.run_once() is not None  # the holder renews its own lease
    assert runs == [1, 1]


def test_two_runners_in_parallel_never_run_a_job_concurrently(
    database: Database, clock: FakeClock
) -> None:
    entered, release = threading.Event(), threading.Event()
    running, overlaps, runs = [0], [0], [0]
    lock = threading.Lock()

    def slow_job(session: Session) -> None:
        with lock:
            running[0] += 1
            overlaps[0] = max(overlaps[0], running[0])
            runs[0] += 1
        entered.set()
        release.wait(timeout=30)
        with lock:
            running[0] -= 1

    registry = JobRegistry()
    registry.register_job("slow", slow_job, every=timedelta(seconds=1))
    first, second = runner(database, clock, registry, "a"), runner(database, clock, registry, "b")
    thread = threading.Thread(target=first.run_once)
    thread.start()
    assert entered.wait(timeout=30)

    second_result = second.run_once()  # while the first is inside the job
    release.set()
    thread.join(timeout=30)

    assert second_result is None
    assert (runs[0], overlaps[0]) == (1, 1)


def test_a_crashed_runners_lease_expires_and_another_takes_over(
    database: Database, clock: FakeClock
) -> None:
    registry, runs = JobRegistry(), []
    registry.register_job("tick", lambda session: runs.append(1), every=timedelta(seconds=1))
    crashed = runner(database, clock, registry, "crashed", ttl=timedelta(seconds=60))
    survivor = runner(database, clock, registry, "survivor", ttl=timedelta(seconds=60))
    crashed.run_once()  # ... and never runs again nor releases

    clock.advance(timedelta(seconds=59))
    assert survivor.run_once() is None
    clock.advance(timedelta(seconds=2))
    assert survivor.run_once() is not None
    assert runs == [1, 1]


def test_exactly_one_of_many_contenders_takes_a_free_lease(
    database: Database, clock: FakeClock
) -> None:
    contenders = [Lease(database, "race", f"runner-{n}", ttl=timedelta(seconds=60), clock=clock)
                  for n in range(6)]
    barrier = threading.Barrier(len(contenders))
    won: list[str] = []

    def contend(lease: Lease) -> None:
        barrier.wait(timeout=30)
        if lease.acquire():
            won.append(lease.holder)

    threads = [threading.Thread(target=contend, args=(lease,)) for lease in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(won) == 1


def test_released_lease_is_free_at_once(database: Database, clock: FakeClock) -> None:
    first = Lease(database, "l", "a", ttl=timedelta(minutes=5), clock=clock)
    second = Lease(database, "l", "b", ttl=timedelta(minutes=5), clock=clock)
    assert first.acquire()
    assert not second.acquire()

    first.release()

    assert second.acquire()


def test_run_forever_stops_on_its_event_and_releases_the_lease(
    database: Database, clock: FakeClock
) -> None:
    stop = threading.Event()
    registry = JobRegistry()
    registry.register_job("stopper", lambda session: stop.set(), every=timedelta(seconds=1))

    runner(database, clock, registry, "a").run_forever(stop, poll_interval_s=0.01)

    assert job_row(database, "stopper").last_status == "succeeded"
    assert runner(database, clock, JobRegistry(), "b").run_once() is not None


def test_run_now_runs_a_job_whatever_its_schedule(database: Database, clock: FakeClock) -> None:
    registry, runs = JobRegistry(), []
    registry.register_job("nightly", lambda session: runs.append(1), daily_at=time(3, 0))

    assert runner(database, clock, registry, "a").run_now("nightly") is True
    assert runs == [1]


# --- the outbox ------------------------------------------------------------------------------

def test_outbox_row_is_handled_by_its_topic_handler_and_marked_done(
    database: Database, clock: FakeClock
) -> None:
    registry, seen = JobRegistry(), []
    registry.register_handler("case.open_for_alert", lambda session, payload: seen.append(payload))
    with database.session_scope() as session:
        jobs.enqueue(session, "case.open_for_alert", {"alert_id": "a1", "score": 0.97})

    summary = runner(database, clock, registry, "a").run_once()

    assert summary is not None
    assert summary.outbox_processed == 1
    assert seen == [{"alert_id": "a1", "score": 0.97}]
    with database.session_scope() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.processed_at, message.attempts) == (clock(), 1)
    runner(database, clock, registry, "a").run_once()
    assert len(seen) == 1


def test_outbox_row_of_a_rolled_back_unit_of_work_never_exists(
    database: Database, clock: FakeClock
) -> None:
    with pytest.raises(RuntimeError), database.session_scope() as session:
        jobs.enqueue(session, "case.open_for_alert", {"alert_id": "a1"})
        raise RuntimeError("the alert could not be stored")

    assert count_outbox(database) == 0


def test_failing_handler_is_retried_with_backoff_until_it_succeeds(
    database: Database, clock: FakeClock
) -> None:
    failures, done = [2], []

    def flaky(session: Session, payload: dict[str, Any]) -> None:
        if failures[0]:
            failures[0] -= 1
            raise ConnectionError("case service busy")
        done.append(payload["alert_id"])

    registry = JobRegistry()
    registry.register_handler("case.open_for_alert", flaky)
    worker = runner(database, clock, registry, "a")
    with database.session_scope() as session:
        jobs.enqueue(session, "case.open_for_alert", {"alert_id": "a1"})

    worker.run_once()
    worker.run_once()  # not yet due again: no second attempt
    with database.session_scope() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.attempts == 1
        assert message.last_error == "ConnectionError: case service busy"
        assert message.available_at == clock() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    worker.run_once()
    clock.advance(timedelta(seconds=60))
    worker.run_once()

    assert done == ["a1"]
    with database.session_scope() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.attempts == 3
        assert message.processed_at == clock()


def test_handler_work_rolls_back_with_its_failure(database: Database, clock: FakeClock) -> None:
    def writes_then_fails(session: Session, payload: dict[str, Any]) -> None:
        jobs.enqueue(session, "follow_up", {})
        raise ValueError("bad alert")

    registry = JobRegistry()
    registry.register_handler("case.open_for_alert", writes_then_fails)
    with database.session_scope() as session:
        jobs.enqueue(session, "case.open_for_alert", {"alert_id": "a1"})

    runner(database, clock, registry, "a").run_once()

    assert count_outbox(database) == 1


def test_row_without_a_handler_waits_with_an_error(database: Database, clock: FakeClock) -> None:
    with database.session_scope() as session:
        jobs.enqueue(session, "sla.start", {"ticket_id": "t1"})

    runner(database, clock, JobRegistry(), "a").run_once()

    with database.session_scope() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.processed_at is None
        assert "no handler registered for topic 'sla.start'" in (message.last_error or "")


def test_outbox_row_scheduled_for_later_waits_until_then(
    database: Database, clock: FakeClock
) -> None:
    registry, seen = JobRegistry(), []
    registry.register_handler("report.deadline", lambda session, payload: seen.append(payload))
    with database.session_scope() as session:
        jobs.enqueue(session, "report.deadline", {"report": "str-1"},
                     available_at=clock() + timedelta(hours=1))
    worker = runner(database, clock, registry, "a")

    worker.run_once()
    clock.advance(timedelta(hours=1))
    worker.run_once()

    assert seen == [{"report": "str-1"}]


def test_enqueue_refuses_a_payload_that_is_not_json(session: Session) -> None:
    with pytest.raises(TypeError):
        jobs.enqueue(session, "x", {"when": datetime.now(UTC)})
