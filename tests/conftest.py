"""Shared fixtures: a clean database per test, the app, and an HTTP client.

SQLite (default): the schema is built once per run by ``alembic upgrade head`` into a template
file, which each test copies. PostgreSQL (``PAYTRUST_DATABASE_URL=postgresql://...``): one database
per test worker built by ``alembic upgrade head``; every table is emptied after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from paytrust.app import create_app
from paytrust.config import RiskSettings, Settings
from paytrust.models import metadata
from paytrust.platform import migrate
from paytrust.platform.db import Database
from paytrust.platform.events import bus
from paytrust.platform.identity import cache as principal_cache

POSTGRES_URL = os.environ.get("PAYTRUST_DATABASE_URL", "")
USE_POSTGRES = POSTGRES_URL.startswith("postgresql")


def _worker_database_url(worker_id: str) -> str:
    """Create (afresh) this worker's PostgreSQL database and return its URL."""
    base, _, _ = POSTGRES_URL.rpartition("/")
    name = f"paytrust_test_{worker_id}"
    admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """A migrated database: a template file (SQLite) or this worker's database (PostgreSQL)."""
    if USE_POSTGRES:
        url = _worker_database_url(worker_id)
        migrate.upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database(database_template: str, tmp_path: Path) -> Iterator[Database]:
    if USE_POSTGRES:
        db = Database(database_template)
        yield db
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        return
    path = tmp_path / "paytrust.db"
    shutil.copyfile(database_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A unit of work that commits at the end of the test, like a request would."""
    with database.session_scope() as db_session:
        yield db_session


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    # Scored transactions are written by a worker thread: a writer process per test would
    # cost a second of start-up each. The process writer has its own tests (test_recorder)
    # and serves the browser tests' live server.
    return Settings(environment="test", database_url=database.url, data_dir=tmp_path / "var",
                    risk=RiskSettings(recorder_writer="thread"))


@pytest.fixture(autouse=True)
def _isolated_process_state() -> Iterator[None]:
    """Event subscriptions and cached credentials never leak from one test to the next."""
    yield
    bus.unsubscribe_all()
    principal_cache.clear()


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
