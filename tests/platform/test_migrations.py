"""Migrations are code: they run both ways and agree with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from paytrust.platform import migrate

from ..conftest import USE_POSTGRES, _worker_database_url


def _scratch_url(tmp_path: Path, worker_id: str) -> str:
    if USE_POSTGRES:
        return _worker_database_url(f"{worker_id}_migrations")
    return f"sqlite:///{tmp_path / 'migrations.db'}"


def test_migrations_upgrade_downgrade_and_match_the_models(tmp_path: Path, worker_id: str) -> None:
    url = _scratch_url(tmp_path, worker_id)
    migrate.upgrade(url)
    migrate.check(url)  # raises if the models have changes no migration carries
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    migrate.check(url)


def test_migration_history_is_one_line() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "migrations must form a single line of history"
