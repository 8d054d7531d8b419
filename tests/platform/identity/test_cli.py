"""``paytrust users`` and ``paytrust apikeys`` from a shell."""

from __future__ import annotations

import getpass
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from paytrust.cli import app as cli
from paytrust.config import get_settings
from paytrust.platform import audit
from paytrust.platform.db import Database
from paytrust.platform.identity import service as identity_service


@pytest.fixture(autouse=True)
def _cli_uses_the_test_database(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("PAYTRUST_DATABASE_URL", database.url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_create_list_disable_enable_a_user(database: Database) -> None:
    run("users", "create", "mei", "--role", "risk_analyst", "--role", "auditor",
        "--email", "mei@example.test", "--password-stdin", stdin="a long enough password\n")
    assert "mei" in run("users", "list")
    assert "auditor,risk_analyst" in run("users", "list")
    run("users", "disable", "mei")
    assert "disabled" in run("users", "list")
    run("users", "enable", "mei")
    with database.read_session() as session:
        user = identity_service.find_user(session, "mei")
        assert user is not None
        assert not user.disabled
        actions = [(e.actor, e.action) for e in session.scalars(
            select(audit.AuditEntry).order_by(audit.AuditEntry.seq))]
    actor = f"cli:{getpass.getuser()}"
    assert actions == [(actor, "identity.user.created"), (actor, "identity.user.disabled"),
                       (actor, "identity.user.enabled")]


def test_bad_input_is_a_clear_error_naming_the_field() -> None:
    result = CliRunner().invoke(cli, ["users", "create", "bo", "--role", "admin", "--email",
                                      "bo@example.test", "--password-stdin"], input="short\n")
    assert result.exit_code == 2
    assert "password" in result.output


def test_api_key_needs_an_explicit_scope() -> None:
    result = CliRunner().invoke(cli, ["apikeys", "create", "--name", "acquirer"])
    assert result.exit_code == 2
    assert "--scope" in result.output


def test_api_key_is_printed_once_listed_without_secret_and_revocable(database: Database) -> None:
    output = run("apikeys", "create", "--name", "acquirer", "--scope", "risk.transactions.score")
    raw_key = output.strip().splitlines()[-1]
    assert raw_key.startswith("ptk_")
    listing = run("apikeys", "list")
    assert "acquirer" in listing
    assert raw_key not in listing
    run("apikeys", "revoke", raw_key[:12])
    assert "revoked" in run("apikeys", "list")


def test_roles_unlock_and_second_factor_reset_from_the_shell(database: Database) -> None:
    run("users", "create", "ada", "--role", "trainer", "--email", "ada@example.test",
        "--password-stdin", stdin="a long enough password\n")
    assert "manager, trainer" in run("users", "roles", "ada", "--role", "trainer",
                                     "--role", "manager")
    assert "unlocked" in run("users", "unlock", "ada")
    assert "second factor reset" in run("users", "reset-mfa", "ada")
    with database.read_session() as session:
        user = identity_service.find_user(session, "ada")
        assert user is not None
        assert identity_service.user_roles(session, user.id) == ["manager", "trainer"]
    missing = CliRunner().invoke(cli, ["users", "unlock", "nobody"])
    assert missing.exit_code == 2
    assert "not found" in missing.output
