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
