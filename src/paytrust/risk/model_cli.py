"""``paytrust model``: train, register, promote and shadow fraud models.

``train`` learns from a labelled file (simulator, Sparkov or PaySim layout) or, without
``--data``, from the recorded transactions and their outcome reports; it splits by time,
measures on the later part, prints the metrics and registers the model as a candidate
(``--promote`` makes it the champion at once). Every scorer of the service picks up a
promotion within seconds.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from paytrust.platform.identity.cli import cli_actor, cli_failure

if TYPE_CHECKING:
    from paytrust.platform.db import Database
    from paytrust.risk.training import Example

class DataFormat(StrEnum):
    SIMULATOR = "simulator"
    SPARKOV = "sparkov"
    PAYSIM = "paysim"


model_app = typer.Typer(help="The fraud model registry: train, list, promote, challenger.",
                        no_args_is_help=True)


@model_app.command("train")
def train(
    data: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False,
        help="labelled history (.parquet/.csv/.jsonl); default: the recorded transactions "
             "labelled by their outcome reports")] = None,
    data_format: Annotated[DataFormat, typer.Option(
        "--format", help="layout of --data: the simulator's, or a public dataset's "
                         "(Sparkov card purchases, PaySim mobile money)")] = DataFormat.SIMULATOR,
    until: Annotated[datetime | None, typer.Option(
        help="with recorded history: leave out transactions from this time on (their "
             "fraud may not be reported yet)")] = None,
    train_fraction: Annotated[float, typer.Option(
        min=0.1, max=0.95, help="share of the history's time span to train on; the rest "
                                "measures the model")] = 0.7,
    rounds: Annotated[int, typer.Option(min=10, max=5_000, help="most boosting rounds")] = 200,
    promote: Annotated[bool, typer.Option(help="make the new model the champion")] = False,
    comment: Annotated[str | None, typer.Option(help="why this model was trained")] = None,
) -> None:
    """Train a LightGBM model with a time-based split and register it."""
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database, utcnow
    from paytrust.platform.errors import DomainError
    from paytrust.risk import service as risk_service
    from paytrust.risk.training import TrainingError, replay_features, time_split, train_model

    settings = get_settings()
    with opened_database(settings.database_url) as database:
        examples = (_file_examples(data, data_format) if data
                    else _recorded_examples(database, until))
        typer.echo(f"replaying {len(examples):,} transactions "
                   f"({sum(e.is_fraud for e in examples):,} fraud) through the feature code")
        table = replay_features(examples)
        risk = settings.risk
        thresholds = {"challenge": risk.challenge_threshold, "review": risk.review_threshold,
                      "block": risk.block_threshold}
        now = utcnow()
        with database.read_session() as session:
            version = risk_service.next_model_version(session, now)
        try:
            train_part, test_part = time_split(table, train_fraction=train_fraction)
            trained = train_model(train_part, test_part, version=version, rounds=rounds,
                                  thresholds=thresholds)
            with database.session_scope() as session:  # not held open while training
                risk_service.save_model_version(
                    session, actor=cli_actor(), model=trained.model, metrics=trained.metrics,
                    now=now, comment=comment)
                if promote:
                    risk_service.promote_model(session, actor=cli_actor(), version=version,
                                               now=now)
        except TrainingError as error:
            typer.echo(f"cannot train: {error}", err=True)
            raise typer.Exit(2) from error
        except DomainError as error:
            raise cli_failure(error) from error
    typer.echo(render_metrics(version, trained.metrics))
    typer.echo(f"registered {version}" + (" as champion" if promote else " as a candidate"))


def _file_examples(path: Path, data_format: DataFormat) -> list[Example]:
    from paytrust.risk.datasets import read_paysim, read_sparkov
    from paytrust.risk.training import Example
    from paytrust.simulator import read_file

    if data_format is DataFormat.SPARKOV:
        return list(read_sparkov(path))
    if data_format is DataFormat.PAYSIM:
        return list(read_paysim(path))
    return [Example(row.transaction, row.is_fraud, row.typology) for row in read_file(path)]


def _recorded_examples(database: Database, until: datetime | None) -> list[Example]:
    from paytrust.risk.service.history import labelled_history
    from paytrust.risk.training import Example

    with database.read_session() as session:
        return [Example(txn, is_fraud) for txn, is_fraud in labelled_history(session,
                                                                             until=until)]


def render_metrics(version: str, metrics: dict[str, Any]) -> str:
    """The headline metrics of a model version as a Markdown table."""
    training = metrics.get("training", {})
    lines = [f"| {version} | test period |", "|---|---:|",
             f"| transactions (fraud) | {training.get('test_rows', 0):,} "
             f"({training.get('test_fraud', 0):,}) |",
             f"| trained on (fraud) | {training.get('train_rows', 0):,} "
             f"({training.get('train_fraud', 0):,}) |",
             f"| AUC | {metrics.get('auc', float('nan')):.4f} |",
             f"| AUPRC | {metrics.get('auprc', float('nan')):.4f} |"]
    lines += [f"| {key.replace('_', ' ')} | {value:.3f} |" for key, value in metrics.items()
              if key.startswith("recall_at_")]
    for name in ("challenge", "review", "block"):
        at = metrics.get(f"at_{name}")
        if at:
            lines.append(f"| at {name} ≥ {at['threshold']}: precision / recall / alert rate "
                         f"| {at['precision']:.3f} / {at['recall']:.3f} / "
                         f"{at['alert_rate']:.4%} |")
    return "\n".join(lines)


@model_app.command("list")
def list_models() -> None:
    """Every registered model version, newest first."""
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.risk import service as risk_service

    with opened_database(get_settings().database_url) as database, \
            database.read_session() as session:
        rows = risk_service.list_model_versions(session)
        typer.echo("version\tstatus\ttrained_at\tAUC\tAUPRC")
        for row in rows:
            typer.echo(f"{row.version}\t{row.status}\t{row.trained_at:%Y-%m-%d %H:%M}\t"
                       f"{row.metrics.get('auc', float('nan')):.4f}\t"
                       f"{row.metrics.get('auprc', float('nan')):.4f}")


@model_app.command("show")
def show(version: Annotated[str, typer.Argument(help="model version")]) -> None:
    """The metrics of one model version."""
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.platform.errors import DomainError
    from paytrust.risk import service as risk_service

    with opened_database(get_settings().database_url) as database, \
            database.read_session() as session:
        try:
            row = risk_service.get_model_version(session, version)
        except DomainError as error:
            raise cli_failure(error) from error
        typer.echo(f"{row.version}: {row.status}, trained {row.trained_at:%Y-%m-%d %H:%M} by "
                   f"{row.created_by or '-'}" + (f" — {row.comment}" if row.comment else ""))
        typer.echo(render_metrics(row.version, row.metrics))


@model_app.command("promote")
def promote(version: Annotated[str, typer.Argument(help="model version")]) -> None:
    """Make VERSION the champion that scores every payment (the previous one retires)."""
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database, utcnow
    from paytrust.platform.errors import DomainError
    from paytrust.risk import service as risk_service

    with opened_database(get_settings().database_url) as database:
        try:
            with database.session_scope() as session:
                risk_service.promote_model(session, actor=cli_actor(), version=version,
                                           now=utcnow())
        except DomainError as error:
            raise cli_failure(error) from error
    typer.echo(f"{version} is the champion")


@model_app.command("challenger")
def challenger(
    version: Annotated[str | None, typer.Argument(help="model version to run in shadow")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="stop the challenger")] = False,
) -> None:
    """Score VERSION in shadow beside the champion: its score is recorded, never acted on."""
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.platform.errors import DomainError
    from paytrust.risk import service as risk_service

    if (version is None) == (not clear):
        raise typer.BadParameter("give a VERSION or --clear, not both or neither")
    with opened_database(get_settings().database_url) as database:
        try:
            with database.session_scope() as session:
                risk_service.set_challenger(session, actor=cli_actor(), version=version)
        except DomainError as error:
            raise cli_failure(error) from error
    typer.echo(f"{version} runs as challenger" if version else "no challenger")
