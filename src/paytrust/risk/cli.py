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
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from paytrust.risk.service import Contender

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
        help="candidate rule set: a YAML file, 'default' (the shipped pack), 'active' or a "
             "saved version NAME@VERSION")],
    model: Annotated[str | None, typer.Option(
        help="candidate model version from the registry ('none': rules only; default: the "
             "champion model)")] = None,
) -> None:
    """Replay labelled history through a candidate (rule set + model) and the champion
    (active rule set + champion model), side by side."""
    from paytrust.risk import service as risk_service
    from paytrust.risk.backtest import render_text

    try:
        cases = risk_service.read_history(data)
    except risk_service.HistoryFileError as error:
        raise typer.BadParameter(str(error), param_hint="--data") from error
    candidate, champion = _contenders(ruleset, model)
    report = risk_service.compare_contenders(cases, candidate=candidate, champion=champion)
    typer.echo(render_text(report))


def _contenders(ruleset: str, model: str | None) -> tuple[Contender, Contender]:
    """(candidate, champion) from the service's database; against the shipped pack without
    a model when there is no migrated database to ask (a file or keyword candidate only)."""
    from sqlalchemy.exc import DBAPIError

    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.platform.errors import DomainError
    from paytrust.platform.identity.cli import cli_failure
    from paytrust.risk import service as risk_service

    from_file = _ruleset_file(ruleset)
    try:
        with opened_database(get_settings().database_url) as database, \
                database.read_session() as session:
            champion = risk_service.champion_contender(session)
            name, text = from_file or risk_service.candidate_ruleset(session, ruleset, champion)
            chosen = risk_service.candidate_model(session, model, champion)
            return risk_service.Contender(name, text, chosen), champion
    except DomainError as error:
        raise cli_failure(error) from error
    except DBAPIError as error:
        if model not in (None, "none") or not (from_file or ruleset in ("active", "default")):
            raise typer.BadParameter("the model registry and saved rule sets need the "
                                     f"service's database ({type(error.orig).__name__})") from error
        typer.echo(f"no champion in the database ({type(error.orig).__name__}): comparing "
                   "against the shipped rule pack without a model", err=True)
    champion = risk_service.default_contender()
    name, text = from_file or (champion.ruleset_name, champion.ruleset_yaml)
    return risk_service.Contender(name, text, None), champion


def _ruleset_file(ruleset: str) -> tuple[str, str] | None:
    """(name, YAML) when ``ruleset`` names a rule set file; ``None`` for a keyword or a saved
    version."""
    from paytrust.risk import service as risk_service

    path = Path(ruleset)
    if ruleset in ("active", "default") or ("@" in ruleset and not path.is_file()):
        return None
    if not path.is_file():
        raise typer.BadParameter(f"no file {ruleset!r}", param_hint="--ruleset")
    text = path.read_text("utf-8")
    errors = risk_service.validate_ruleset(text)
    if errors:
        for error in errors:
            typer.echo(f"{ruleset}:{error.line}:{error.column}: {error.message}", err=True)
        raise typer.Exit(2)
    return path.name, text


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
