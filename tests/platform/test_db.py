"""The unit of work commits or rolls back whole; read sessions never write."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from paytrust.platform import audit
from paytrust.platform.db import Database
from paytrust.platform.events import DomainEvent, bus


class _Happened(DomainEvent):
    name = "test.happened"


def _entry_count(database: Database) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0)


def test_session_scope_commits_on_success(database: Database) -> None:
    with database.session_scope() as session:
        audit.record(session, actor="test", action="x", entity_type="t", entity_id="1")
    assert _entry_count(database) == 1


def test_session_scope_rolls_back_everything_on_error(database: Database) -> None:
    with pytest.raises(ValueError, match="boom"), database.session_scope() as session:
        audit.record(session, actor="test", action="x", entity_type="t", entity_id="1")
        session.flush()
        raise ValueError("boom")
    assert _entry_count(database) == 0


def test_read_session_refuses_writes(database: Database) -> None:
    with pytest.raises(RuntimeError, match="read-only"), database.read_session() as session:
        audit.record(session, actor="test", action="x", entity_type="t", entity_id="1")
        session.flush()


def test_events_are_delivered_after_commit_and_dropped_on_rollback(database: Database) -> None:
    delivered: list[str] = []
    bus.subscribe(_Happened.name, lambda event: delivered.append(event.name))

    with database.session_scope() as session:
        bus.publish(session, _Happened())
        assert delivered == []  # not before the commit
    assert delivered == ["test.happened"]

    with pytest.raises(ValueError, match="abort"), database.session_scope() as session:
        bus.publish(session, _Happened())
        raise ValueError("abort")
    assert delivered == ["test.happened"]
