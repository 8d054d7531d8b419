"""The kernel's CLI commands: keys generate / rotate, jobs list / run."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from paytrust.cli import app
from paytrust.config import get_settings
from paytrust.platform import crypto, jobs
from paytrust.platform.db import Database
from paytrust.platform.jobs import JobSpec, Schedule
from paytrust.platform.notify.models import NotificationChannel

OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def cli_env(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], None]]:
    """Point the CLI's settings at the test database, with the given data keys."""

    def with_keys(spec: str) -> None:
        monkeypatch.setenv("PAYTRUST_DATABASE_URL", database.url)
        monkeypatch.setenv("PAYTRUST_DATA_KEYS", spec)
        get_settings.cache_clear()

    yield with_keys
    get_settings.cache_clear()


def test_keys_generate_prints_a_ready_to_use_entry() -> None:
    result = CliRunner().invoke(app, ["keys", "generate", "k9"])

    key_id, _, key = result.stdout.strip().partition(":")
    assert result.exit_code == 0
    assert key_id == "k9"
    assert len(base64.b64decode(key)) == 32


def test_keys_rotate_moves_every_row_to_the_new_primary_key(
    database: Database, cli_env: Callable[[str], None],
    use_keys: Callable[[str], crypto.KeyRing],
) -> None:
    use_keys(OLD)
    with database.session_scope() as session:
        session.add(NotificationChannel(name="c", kind="webhook", target="https://hooks.test/c",
                                        format="generic", secret="s3cret-value", enabled=True))
    cli_env(f"{NEW},{OLD}")

    result = CliRunner().invoke(app, ["keys", "rotate", "--batch-size", "10"])

    assert result.exit_code == 0, result.output
    assert "platform_notification_channel: 1 rows re-encrypted" in result.stdout
    with database.session_scope() as session:
        assert _key_ids(session) == {"new"}


def _key_ids(session: Session) -> set[str]:
    rows = session.execute(text("SELECT target, secret FROM platform_notification_channel"))
    return {value.split(":")[1] for row in rows for value in row}


@pytest.fixture
def registered_job(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    runs: list[int] = []
    spec = JobSpec("test.nightly", lambda session: runs.append(1),
                   Schedule(interval=timedelta(hours=24)))
    monkeypatch.setitem(jobs.registry.jobs, spec.name, spec)
    return runs


def test_jobs_run_runs_a_registered_job_and_jobs_list_shows_its_outcome(
    cli_env: Callable[[str], None], registered_job: list[int]
) -> None:
    cli_env(OLD)

    ran = CliRunner().invoke(app, ["jobs", "run", "test.nightly"])
    listed = CliRunner().invoke(app, ["jobs", "list"])

    assert ran.exit_code == 0, ran.output
    assert registered_job == [1]
    assert "test.nightly\tevery 86400s\tnext " in listed.stdout
    assert "last succeeded" in listed.stdout


def test_jobs_run_of_an_unknown_job_exits_2(cli_env: Callable[[str], None]) -> None:
    cli_env(OLD)

    result = CliRunner().invoke(app, ["jobs", "run", "no.such.job"])

    assert result.exit_code == 2
    assert "no job named 'no.such.job'" in result.output
