"""The audit trail is append-only in effect: any edit, insertion or deletion is detected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from paytrust.cli import app as cli
from paytrust.config import get_settings
from paytrust.platform import audit
from paytrust.platform.db import Database


def _write_entries(database: Database, count: int) -> None:
    with database.session_scope() as session:
        for number in range(count):
            audit.record(session, actor="user:alice", action="thing.changed", entity_type="thing",
                         entity_id=str(number), before={"value": number},
                         after={"value": number + 1, "名称": "测试"})


def _verify(database: Database) -> audit.VerifyReport:
    with database.read_session() as session:
        return audit.verify(session)


def _tamper(database: Database, statement: str) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(statement))


def test_intact_chain_verifies(database: Database) -> None:
    _write_entries(database, 5)
    report = _verify(database)
    assert report.ok
    assert report.entries_checked == 5


def test_edited_entry_is_detected(database: Database) -> None:
    _write_entries(database, 5)
    _tamper(database, "UPDATE platform_audit_entry SET actor = 'user:mallory' WHERE seq = 3")
    report = _verify(database)
    assert [(b.seq, "edited" in b.reason) for b in report.breaks] == [(3, True)]


def test_deleted_middle_entry_is_detected(database: Database) -> None:
    _write_entries(database, 5)
    _tamper(database, "DELETE FROM platform_audit_entry WHERE seq = 2")
    breaks = _verify(database).breaks
    assert breaks
    assert breaks[0].seq == 2


def test_deleted_newest_entry_is_detected(database: Database) -> None:
    _write_entries(database, 5)
    _tamper(database, "DELETE FROM platform_audit_entry WHERE seq = 5")
    report = _verify(database)
    assert [b.seq for b in report.breaks] == [5]
    assert "deletion" in report.breaks[0].reason


def test_entry_appended_behind_the_chains_back_is_detected(database: Database) -> None:
    """A row inserted without going through ``record`` leaves the head behind it."""
    _write_entries(database, 2)
    with database.read_session() as session:
        newest = session.get(audit.AuditEntry, 2)
        assert newest is not None
        forged_prev = newest.entry_hash
    _tamper(database, "INSERT INTO platform_audit_entry (seq, occurred_at, actor, action, "
                      "entity_type, entity_id, prev_hash, entry_hash) VALUES (3, "
                      "'2026-01-01 00:00:00', 'user:mallory', 'thing.changed', 'thing', '9', "
                      f"'{forged_prev}', '{'b' * 64}')")
    assert {b.seq for b in _verify(database).breaks} >= {3}


def test_rewritten_entry_with_recomputed_plain_hash_is_still_detected(database: Database) -> None:
    """Hashes are keyed with the service secret: recomputing a SHA-256 does not help."""
    _write_entries(database, 3)
    _tamper(database, "UPDATE platform_audit_entry SET after_json = '{}', "
                      "entry_hash = '" + "a" * 64 + "' WHERE seq = 3")
    assert not _verify(database).ok


@pytest.fixture
def cli_database(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("PAYTRUST_DATABASE_URL", database.url)
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


def test_audit_verify_command_exits_1_on_tampering(cli_database: Database) -> None:
    _write_entries(cli_database, 3)
    intact = CliRunner().invoke(cli, ["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "3 entries verified" in intact.output
    _tamper(cli_database, "UPDATE platform_audit_entry SET action = 'x' WHERE seq = 1")
    broken = CliRunner().invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN at #1" in broken.output


def test_audit_verify_command_exits_1_when_the_newest_entry_is_deleted(
    cli_database: Database
) -> None:
    _write_entries(cli_database, 3)
    _tamper(cli_database, "DELETE FROM platform_audit_entry WHERE seq = 3")
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 1
