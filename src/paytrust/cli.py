"""The ``paytrust`` command line: every part of the service can be run from here."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paytrust.config import get_settings
from paytrust.platform.identity.cli import apikeys_app, users_app
from paytrust.risk import cli as risk_cli
from paytrust.risk.model_cli import model_app
from paytrust.simulator import cli as simulator_cli

if TYPE_CHECKING:
    from paytrust.platform.db import Database

app = typer.Typer(
    help="PayTrust: the security-and-trust platform of a payment provider.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="Field-encryption keys for personal data.", no_args_is_help=True)
jobs_app = typer.Typer(help="Periodic jobs of the worker.", no_args_is_help=True)
app.command("score")(risk_cli.score)
app.command("backtest")(risk_cli.backtest)
app.command("stream")(risk_cli.stream)
app.command("simulate")(simulator_cli.simulate)
app.add_typer(db_app, name="db")
app.add_typer(model_app, name="model")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(jobs_app, name="jobs")
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")


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

    with _open_database() as database, database.read_session() as session:
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
    access_log: Annotated[bool, typer.Option(
        help="log every request (costs about a fifth of a trivial request's time)")] = False,
) -> None:
    """Run the HTTP service (API and console)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "paytrust.app:create_server_app", factory=True, host=host or settings.host,
        port=port or settings.port, workers=workers, log_level="info", access_log=access_log,
    )


def _open_database() -> AbstractContextManager[Database]:
    """The command's database, disposed of when the command ends."""
    from paytrust.platform.db import opened_database

    return opened_database(get_settings().database_url)


@keys_app.command("generate")
def keys_generate(
    key_id: Annotated[str, typer.Argument(help="id for the new key, e.g. k2")] = "k2",
) -> None:
    """Print a new random AES-256 key as a PAYTRUST_DATA_KEYS entry."""
    from paytrust.platform import crypto

    typer.echo(f"{key_id}:{crypto.generate_key()}")
    typer.echo("put it first in PAYTRUST_DATA_KEYS, keep the old keys after it, then run "
               "'paytrust keys rotate'", err=True)


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="rows re-encrypted per query")] = 500,
) -> None:
    """Re-encrypt every personal-data column with the first key of PAYTRUST_DATA_KEYS."""
    import paytrust.models  # noqa: F401  (every table with encrypted columns)
    from paytrust.platform import crypto

    crypto.configure(crypto.KeyRing.from_settings(get_settings()))
    with _open_database() as database, database.session_scope() as session:
        report = crypto.rotate_keys(session, actor="cli:keys-rotate", batch_size=batch_size)
    for table, rows in report.rows_by_table.items():
        typer.echo(f"{table}: {rows} rows re-encrypted")
    typer.echo(f"all encrypted values now use key {report.primary_id!r}; "
               "older keys may be removed from PAYTRUST_DATA_KEYS")


@app.command()
def worker(
    poll_interval: Annotated[float, typer.Option(help="seconds between ticks")] = 1.0,
) -> None:
    """Run the job runner: periodic jobs, the outbox and notification delivery."""
    import signal
    import threading

    from paytrust.worker import build_runner

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with _open_database() as database:
        runner = build_runner(get_settings(), database)
        typer.echo(f"worker {runner.lease.holder} started")
        runner.run_forever(stop, poll_interval_s=poll_interval)


@jobs_app.command("list")
def jobs_list() -> None:
    """Registered jobs with their schedule and last outcome."""
    from paytrust.platform import jobs
    from paytrust.worker import build_runner

    with _open_database() as database, database.read_session() as session:
        runner = build_runner(get_settings(), database)
        rows = {job.name: job for job in jobs.list_jobs(session)}
        for name, spec in sorted(runner.registry.jobs.items()):
            schedule = (f"every {spec.schedule.interval_seconds}s" if spec.schedule.interval
                        else f"daily at {spec.schedule.daily_at_text} UTC")
            row = rows.get(name)
            state = ("not yet scheduled" if row is None else
                     f"next {row.next_run_at:%Y-%m-%d %H:%M:%S}Z, last {row.last_status or '-'}"
                     f"{'' if row.enabled else ', disabled'}")
            typer.echo(f"{name}\t{schedule}\t{state}")


@jobs_app.command("run")
def jobs_run(name: Annotated[str, typer.Argument(help="registered job name")]) -> None:
    """Run one job now, whatever its schedule; exit 1 if it fails."""
    from paytrust.platform.jobs import LeaseUnavailable
    from paytrust.worker import build_runner

    with _open_database() as database:
        runner = build_runner(get_settings(), database)
        if name not in runner.registry.jobs:
            typer.echo(f"no job named {name!r}", err=True)
            raise typer.Exit(2)
        try:
            succeeded = runner.run_now(name)
        except LeaseUnavailable as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(3) from error
    if not succeeded:
        typer.echo(f"job {name} failed (see 'paytrust jobs list')", err=True)
        raise typer.Exit(1)
    typer.echo(f"job {name} succeeded")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port of the console and API")] = 8000,
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    data_dir: Annotated[Path, typer.Option(help="where the demo database lives")] = Path("var"),
    rate: Annotated[float, typer.Option(help="simulated transactions per second (0: none)")] = 5.0,
    customers: Annotated[int, typer.Option(help="customers of the simulated world")] = 2_000,
    seed: Annotated[int, typer.Option(help="seed of the simulated world")] = 2026,
) -> None:
    """The service on SQLite with a seeded organisation and simulated traffic."""
    started_at = time.perf_counter()
    from paytrust.demo.run import DemoOptions, run_demo

    run_demo(DemoOptions(host=host, port=port, data_dir=data_dir, rate=rate,
                         customers=customers, seed=seed), started_at)
