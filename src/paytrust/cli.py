"""The ``paytrust`` command line: every part of the service can be run from here."""

from __future__ import annotations

from typing import Annotated

import typer

from paytrust.config import get_settings
from paytrust.risk import cli as risk_cli

app = typer.Typer(
    help="PayTrust: the security-and-trust platform of a payment provider.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
app.command("score")(risk_cli.score)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from paytrust.platform import migrate

    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 if any entry was edited, inserted or deleted."""
    from paytrust.platform import audit
    from paytrust.platform.db import Database

    database = Database(get_settings().database_url)
    with database.read_session() as session:
        report = audit.verify(session)
    for chain_break in report.breaks:
        typer.echo(f"BROKEN at #{chain_break.seq}: {chain_break.reason}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    typer.echo(f"audit trail intact: {report.entries_checked} entries verified")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Run the HTTP service (API and console)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "paytrust.app:create_app", factory=True, host=host or settings.host,
        port=port or settings.port, workers=workers, log_level="info",
    )
