"""``paytrust users`` and ``paytrust apikeys``: manage people and integrator keys."""

from __future__ import annotations

import getpass
import sys
from contextlib import AbstractContextManager
from typing import Annotated

import typer

from paytrust.config import get_settings
from paytrust.platform.db import Database, opened_database
from paytrust.platform.errors import DomainError
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.permissions import Role, api_key_scopes

users_app = typer.Typer(help="Console users and their roles.", no_args_is_help=True)
apikeys_app = typer.Typer(help="Integrator API keys.", no_args_is_help=True)


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def cli_failure(error: DomainError) -> typer.Exit:
    field = f" ({error.field})" if error.field else ""
    typer.echo(f"error{field}: {error.detail}", err=True)
    return typer.Exit(2)


def _database() -> AbstractContextManager[Database]:
    return opened_database(get_settings().database_url)


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="sign-in name")],
    role: Annotated[list[Role], typer.Option(help="role (repeat for several)")],
    email: Annotated[str, typer.Option(help="e-mail address")],
    display_name: Annotated[str | None, typer.Option(help="name shown in the console")] = None,
    locale: Annotated[str, typer.Option(help="en, zh_Hans or zh_Hant")] = "en",
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Create a user; the password is prompted for (or read from stdin)."""
    password = (
        sys.stdin.readline().rstrip("\n") if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        with _database() as database, database.session_scope() as session:
            user = identity_service.create_user(
                session, actor=cli_actor(), username=username, email=email,
                display_name=display_name or username, password=password,
                roles=[r.value for r in role], locale=locale,
            )
            typer.echo(f"created {user.username} ({', '.join(r.value for r in role)}); "
                       "the second factor is enrolled at first sign-in")
    except DomainError as error:
        raise cli_failure(error) from None


@users_app.command("list")
def list_users() -> None:
    """Users with their roles and state."""
    with _database() as database, database.read_session() as session:
        for user in identity_service.list_users(session):
            roles = ",".join(identity_service.user_roles(session, user.id))
            state = "disabled" if user.disabled else "active"
            mfa = "mfa" if user.totp_secret else "no-mfa"
            typer.echo(f"{user.username:<20} {state:<9} {mfa:<7} {roles}")


def _set_disabled(username: str, disabled: bool) -> None:
    try:
        with _database() as database, database.session_scope() as session:
            identity_service.set_disabled(
                session, actor=cli_actor(), username=username, disabled=disabled
            )
        typer.echo(f"{username} {'disabled' if disabled else 'enabled'}")
    except DomainError as error:
        raise cli_failure(error) from None


@users_app.command("disable")
def disable_user(username: Annotated[str, typer.Argument()]) -> None:
    """Disable a user: their sessions stop working at once."""
    _set_disabled(username, True)


@users_app.command("enable")
def enable_user(username: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled user again."""
    _set_disabled(username, False)


@users_app.command("roles")
def set_roles(
    username: Annotated[str, typer.Argument()],
    role: Annotated[list[Role], typer.Option(help="role (repeat); replaces the current ones")],
) -> None:
    """Replace a user's roles."""
    try:
        with _database() as database, database.session_scope() as session:
            identity_service.set_roles(
                session, actor=cli_actor(), username=username, roles=[r.value for r in role]
            )
        typer.echo(f"{username}: {', '.join(sorted(r.value for r in role))}")
    except DomainError as error:
        raise cli_failure(error) from None


@users_app.command("unlock")
def unlock_user(username: Annotated[str, typer.Argument()]) -> None:
    """Lift a lock-out after failed sign-ins before it runs out."""
    try:
        with _database() as database, database.session_scope() as session:
            identity_service.unlock_user(session, actor=cli_actor(), username=username)
        typer.echo(f"{username} unlocked")
    except DomainError as error:
        raise cli_failure(error) from None


@users_app.command("reset-mfa")
def reset_second_factor(username: Annotated[str, typer.Argument()]) -> None:
    """Drop a lost authenticator: the user enrols a new one at the next sign-in."""
    try:
        with _database() as database, database.session_scope() as session:
            identity_service.reset_second_factor(session, actor=cli_actor(), username=username)
        typer.echo(f"{username}: second factor reset; sessions ended")
    except DomainError as error:
        raise cli_failure(error) from None


@apikeys_app.command("create")
def create_api_key(
    name: Annotated[str, typer.Option(help="what the key is for")],
    scope: Annotated[
        list[str], typer.Option(help=f"permission (repeat): {', '.join(sorted(api_key_scopes()))}")
    ],
) -> None:
    """Create a key holding exactly the scopes named; printed this once, stored as a hash."""
    try:
        with _database() as database, database.session_scope() as session:
            raw_key, key = identity_service.create_api_key(
                session, actor=cli_actor(), name=name, scopes=scope,
            )
        typer.echo(f"{key.prefix}  scopes: {', '.join(key.scopes)}")
        typer.echo(raw_key)
    except DomainError as error:
        raise cli_failure(error) from None


@apikeys_app.command("list")
def list_api_keys() -> None:
    """Keys with their scopes, last use and state (never the secret)."""
    with _database() as database, database.read_session() as session:
        for key in identity_service.list_api_keys(session):
            state = "revoked" if key.revoked_at else "active"
            used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "-"
            typer.echo(f"{key.prefix:<14} {state:<8} {key.name:<24} last used {used}  "
                       f"{','.join(key.scopes)}")


@apikeys_app.command("revoke")
def revoke_api_key(key: Annotated[str, typer.Argument(help="key id or prefix (ptk_...)")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    try:
        with _database() as database, database.session_scope() as session:
            identity_service.revoke_api_key(session, actor=cli_actor(), key_id=key)
        typer.echo(f"{key} revoked")
    except DomainError as error:
        raise cli_failure(error) from None
