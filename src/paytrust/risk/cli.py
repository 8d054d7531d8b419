"""The risk engine's commands.

``paytrust score FILE`` scores a file of transactions in-process and prints the decisions.
The file is read by the same parsers as the HTTP route (chosen by extension or
``--content-type``) and scored with the active rule set and lists of the configured
database, on fresh in-memory state, in file order. Nothing is recorded.

``paytrust stream`` runs a JetStream scoring worker (stream mode): start as many as the
traffic needs, on as many machines; they share the durable consumer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from paytrust.risk.engine.model import ScoringModel

_MEDIA_TYPES = {
    ".json": "application/json", ".xml": "application/xml",
    ".iso8583": "application/iso8583", ".bin": "application/iso8583",
}


def score(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="transactions: .json, .xml or .iso8583")],
    content_type: Annotated[str | None, typer.Option(
        help="media type of FILE when its extension does not say")] = None,
    locale: Annotated[str, typer.Option(help="language of the reasons: en or zh")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="one JSON answer per line")] = False,
) -> None:
    """Score the transactions in FILE and print one decision per transaction."""
    import orjson

    from paytrust.config import get_settings
    from paytrust.platform.db import Database, utcnow
    from paytrust.risk.adapters.runtime import RiskRuntime, answer_of, card_token_key
    from paytrust.risk.adapters.state_memory import MemoryStateStore
    from paytrust.risk.formats import FormatError, parse_payload

    settings = get_settings()
    media_type = content_type or _MEDIA_TYPES.get(file.suffix.lower())
    if media_type is None:
        raise typer.BadParameter(f"cannot tell the format of {file.name}; use --content-type")
    try:
        txns = parse_payload(media_type, file.read_bytes(), now=utcnow(),
                             card_token_key=card_token_key(settings))
    except FormatError as error:
        typer.echo(f"{file}: {error}", err=True)
        raise typer.Exit(2) from error
    database = Database(settings.database_url)
    try:
        runtime = RiskRuntime(database, settings.risk, MemoryStateStore())
        runtime.reload()
        results = asyncio.run(runtime.scorer.score_batch(txns, locale))
    finally:
        database.dispose()
    for result in results:
        if as_json:
            typer.echo(orjson.dumps(answer_of(result)).decode())
            continue
        rules = ",".join(result.rules_hit) or "-"
        typer.echo(f"{result.transaction_id}\t{result.decision.value}\t"
                   f"{result.score:.3f}\t{rules}")


def backtest(
    data: Annotated[Path, typer.Option(help="labelled history: simulator .parquet/.csv/.jsonl")],
    ruleset: Annotated[str, typer.Option(
        help="candidate rule set: a YAML file, 'default' (the shipped pack) or 'active'")],
    model: Annotated[str | None, typer.Option(
        help="candidate model version from the registry ('none': rules only; default: the "
             "champion model)")] = None,
) -> None:
    """Replay labelled history through a candidate (rule set + model) and the champion
    (active rule set + champion model), side by side."""
    from paytrust.risk.backtest import LabelledCase, cases_in_time_order, render_text, run_backtest
    from paytrust.simulator import read_file

    champion = _champion()
    candidate_name, candidate_yaml = _candidate_ruleset(ruleset, champion)
    candidate_model = champion.model if model is None else _registry_model(model)
    cases = cases_in_time_order(
        LabelledCase(row.transaction, row.is_fraud, row.typology) for row in read_file(data)
    )
    report = run_backtest(
        cases, candidate_yaml=candidate_yaml, champion_yaml=champion.ruleset_yaml,
        candidate_name=_contender_name(candidate_name, candidate_model),
        champion_name=_contender_name(champion.ruleset_name, champion.model),
        candidate_model=candidate_model, champion_model=champion.model,
    )
    typer.echo(render_text(report))


@dataclass(frozen=True)
class _Champion:
    ruleset_name: str
    ruleset_yaml: str
    model: ScoringModel | None


def _champion() -> _Champion:
    """The active rule set and champion model of the service's database; the shipped pack
    and no model when there is none, or no migrated database to ask."""
    from sqlalchemy.exc import DBAPIError

    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.risk import service as risk_service

    try:
        with opened_database(get_settings().database_url) as database, \
                database.read_session() as session:
            active = risk_service.active_ruleset(session)
            champion, _ = risk_service.serving_models(session)
            return _Champion(
                f"{active.name}@{active.version}" if active else "default-pack",
                active.yaml if active else risk_service.default_pack_yaml(),
                risk_service.load_model(champion) if champion else None,
            )
    except DBAPIError as error:
        typer.echo(f"no champion in the database ({type(error.orig).__name__}): comparing "
                   "against the shipped rule pack without a model", err=True)
        return _Champion("default-pack", risk_service.default_pack_yaml(), None)


def _candidate_ruleset(ruleset: str, champion: _Champion) -> tuple[str, str]:
    from paytrust.risk import service as risk_service

    if ruleset == "active":
        return champion.ruleset_name, champion.ruleset_yaml
    if ruleset == "default":
        return "default-pack", risk_service.default_pack_yaml()
    path = Path(ruleset)
    if not path.is_file():
        raise typer.BadParameter(f"no file {ruleset!r}", param_hint="--ruleset")
    text = path.read_text("utf-8")
    errors = risk_service.validate_ruleset(text)
    if errors:
        for error in errors:
            typer.echo(f"{ruleset}:{error.line}:{error.column}: {error.message}", err=True)
        raise typer.Exit(2)
    return path.name, text


def _registry_model(version: str) -> ScoringModel | None:
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.platform.errors import DomainError
    from paytrust.risk import service as risk_service
    from paytrust.risk.engine.model import ModelError

    if version == "none":
        return None
    with opened_database(get_settings().database_url) as database, \
            database.read_session() as session:
        try:
            return risk_service.load_model(risk_service.get_model_version(session, version))
        except (DomainError, ModelError) as error:
            raise typer.BadParameter(str(error), param_hint="--model") from error


def _contender_name(ruleset_name: str, model: ScoringModel | None) -> str:
    return f"{ruleset_name} + {model.version}" if model else ruleset_name


def stream(
    nats_url: Annotated[str | None, typer.Option(
        help="NATS server (default: PAYTRUST_NATS_URL, else nats://127.0.0.1:4222)")] = None,
    batch: Annotated[int, typer.Option(min=1, max=5_000,
                                       help="most messages scored together")] = 500,
    max_wait_ms: Annotated[int, typer.Option(
        min=1, help="how long a fetch waits for its first message")] = 50,
    report_every: Annotated[float, typer.Option(
        min=0.1, help="seconds between throughput lines")] = 10.0,
    locale: Annotated[str, typer.Option(help="language of the reasons: en or zh")] = "en",
    namespace: Annotated[str, typer.Option(
        help="prefix of the stream, subject and consumer names (a separate environment)",
    )] = "paytrust",
) -> None:
    """Score the transaction stream until SIGINT / SIGTERM, then finish, record and ack
    the batch in hand and stop."""
    from paytrust.config import get_settings
    from paytrust.platform.db import Database
    from paytrust.risk.stream import StreamTopology
    from paytrust.risk.stream.worker import DEFAULT_NATS_URL, WorkerOptions, run_scoring_worker

    settings = get_settings()
    url = nats_url or settings.nats_url or DEFAULT_NATS_URL
    options = WorkerOptions(batch=batch, max_wait_s=max_wait_ms / 1000, locale=locale)
    try:
        topology = StreamTopology(namespace)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--namespace") from error
    typer.echo(f"stream worker: {topology.stream} on {url}, consumer {topology.consumer}, "
               f"batches of up to {batch} within {max_wait_ms} ms")
    database = Database(settings.database_url)
    try:
        stats = asyncio.run(run_scoring_worker(
            settings, database, nats_url=url, options=options, topology=topology,
            report=typer.echo, report_every_s=report_every))
    finally:
        database.dispose()
    typer.echo(f"stream worker stopped: {stats.messages:,} messages, {stats.decided:,} "
               f"decided, {stats.rejected:,} rejected")
