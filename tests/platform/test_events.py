"""The in-process event bus: after commit, never on rollback, handlers cannot hurt publishers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import pytest

from paytrust.platform.db import Database
from paytrust.platform.events import HANDLER_ATTEMPTS, DomainEvent, bus


@dataclass(frozen=True)
class AlertCreated(DomainEvent):
    name: ClassVar[str] = "alert.created"
    alert_id: str


@dataclass(frozen=True)
class CaseClosed(DomainEvent):
    name: ClassVar[str] = "case.closed"
    case_id: str


def test_event_is_delivered_only_after_the_unit_of_work_commits(database: Database) -> None:
    received: list[AlertCreated] = []
    bus.subscribe("alert.created", received.append)

    with database.session_scope() as session:
        bus.publish(session, AlertCreated("a1"))
        assert received == []

    assert received == [AlertCreated("a1")]


def test_event_of_a_rolled_back_unit_of_work_is_dropped(database: Database) -> None:
    received: list[DomainEvent] = []
    bus.subscribe("alert.created", received.append)

    with pytest.raises(RuntimeError), database.session_scope() as session:
        bus.publish(session, AlertCreated("a1"))
        raise RuntimeError("could not store the alert")
    with database.session_scope():
        pass  # a later unit of work on a fresh session must not deliver the dropped event

    assert received == []


def test_handlers_receive_only_their_event_and_wildcards_receive_all(database: Database) -> None:
    alerts: list[DomainEvent] = []
    everything: list[DomainEvent] = []
    bus.subscribe("alert.created", alerts.append)
    bus.subscribe("*", everything.append)

    with database.session_scope() as session:
        bus.publish(session, AlertCreated("a1"))
        bus.publish(session, CaseClosed("c1"))

    assert alerts == [AlertCreated("a1")]
    assert everything == [AlertCreated("a1"), CaseClosed("c1")]


def test_failing_handler_is_retried_and_logged_and_never_raises_to_the_publisher(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def flaky(event: AlertCreated) -> None:
        calls.append(event.alert_id)
        if len(calls) < HANDLER_ATTEMPTS:
            raise ConnectionError("search index unavailable")

    later: list[DomainEvent] = []
    bus.subscribe("alert.created", flaky)
    bus.subscribe("alert.created", later.append)

    with (
        caplog.at_level(logging.ERROR, logger="paytrust.platform.events"),
        database.session_scope() as session,
    ):
        bus.publish(session, AlertCreated("a1"))

    assert calls == ["a1"] * HANDLER_ATTEMPTS
    assert later == [AlertCreated("a1")]  # one bad handler does not starve the others
    failures = [r for r in caplog.records if "failed on alert.created" in r.getMessage()]
    assert len(failures) == HANDLER_ATTEMPTS - 1


def test_handler_that_always_fails_is_given_up_after_its_attempts(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: AlertCreated) -> None:
        raise ValueError("bug")

    bus.subscribe("alert.created", broken)

    with (
        caplog.at_level(logging.ERROR, logger="paytrust.platform.events"),
        database.session_scope() as session,
    ):
        bus.publish(session, AlertCreated("a1"))

    assert len([r for r in caplog.records if r.exc_info]) == HANDLER_ATTEMPTS
