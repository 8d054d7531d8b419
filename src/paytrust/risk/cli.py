"""``paytrust score FILE``: score a file of transactions in-process and print the decisions.

The file is read by the same parsers as the HTTP route (chosen by extension or
``--content-type``) and scored with the active rule set and lists of the configured
database, on fresh in-memory state, in file order. Nothing is recorded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

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


def _champion_ruleset() -> tuple[str, str]:
    """The active rule set in the service's database, or the shipped pack when none is."""
    from paytrust.config import get_settings
    from paytrust.platform.db import opened_database
    from paytrust.risk import service as risk_service

    try:
        with opened_database(get_settings().database_url) as database, \
                database.read_session() as session:
            active = risk_service.active_ruleset(session)
            if active is not None:
                return f"{active.name}@{active.version}", active.yaml
    except Exception:
        pass
    return "default-pack", risk_service.default_pack_yaml()


def backtest(
    data: Annotated[Path, typer.Option(help="labelled history: simulator .parquet/.csv/.jsonl")],
    ruleset: Annotated[str, typer.Option(help="candidate rule set: a YAML file or 'default'")],
    model: Annotated[str | None, typer.Option(help="candidate model version")] = None,
) -> None:
    """Replay labelled history through a candidate rule set and the champion, side by side."""
    from paytrust.risk import service as risk_service
    from paytrust.risk.backtest import LabelledCase, cases_in_time_order, render_text, run_backtest
    from paytrust.risk.engine.rules import RuleSetInvalid
    from paytrust.simulator import read_file

    if model is not None:
        typer.echo("models are not available yet: backtest rules only", err=True)
        raise typer.Exit(2)
    if ruleset == "default":
        candidate_name, candidate_yaml = "default-pack", risk_service.default_pack_yaml()
    else:
        candidate_name, candidate_yaml = Path(ruleset).name, Path(ruleset).read_text("utf-8")
    errors = risk_service.validate_ruleset(candidate_yaml)
    if errors:
        for error in errors:
            typer.echo(f"{ruleset}:{error.line}:{error.column}: {error.message}", err=True)
        raise typer.Exit(2)
    champion_name, champion_yaml = _champion_ruleset()
    cases = cases_in_time_order(
        LabelledCase(row.transaction, row.is_fraud, row.typology) for row in read_file(data)
    )
    try:
        report = run_backtest(cases, candidate_yaml=candidate_yaml, champion_yaml=champion_yaml,
                              candidate_name=candidate_name, champion_name=champion_name)
    except RuleSetInvalid as error:  # pragma: no cover - validated above
        raise typer.Exit(2) from error
    typer.echo(render_text(report))
