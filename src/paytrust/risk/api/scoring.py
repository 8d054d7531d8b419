"""The scoring edge: ``POST /api/v1/transactions`` (one, or several in one ISO 20022
message) and ``POST /api/v1/transactions:batch``.

These routes are ``async`` and stay off the database: the API key principal comes from the
identity cache, idempotency from the runtime's memory, recording goes through the batched
recorder. Parsing, authorising and answering only; the work is in ``RiskRuntime.score``.
They are ``DirectRoute``s: called without FastAPI's dependency resolution.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request, Response

from paytrust.platform.errors import (
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
    problem_schema,
)
from paytrust.platform.headers import header
from paytrust.platform.i18n import locale_from_accept_language
from paytrust.platform.i18n.chinese import to_traditional
from paytrust.platform.identity.deps import DirectRoute, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk.adapters.idempotency import Answer
from paytrust.risk.adapters.runtime import RiskRuntime, card_token_key
from paytrust.risk.adapters.state_store import StateStoreUnavailable
from paytrust.risk.api._body import read_body
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.formats import FormatError, parse_payload
from paytrust.risk.permissions import TRANSACTIONS_SCORE
from paytrust.risk.schemas import DecisionList, DecisionRead

router = APIRouter(prefix="/api/v1", tags=["scoring"], route_class=DirectRoute)
Scoring = Annotated[Principal, require(TRANSACTIONS_SCORE)]

MAX_BODY_BYTES = 8 * 1024 * 1024  # the largest body any input format accepts
MAX_BATCH = 1000

PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_schema("Malformed transaction; `field` names where"),
    401: problem_schema("No or unknown API key"),
    403: problem_schema("The key lacks `risk.transactions.score`"),
    409: problem_schema("The transaction id was already scored with a different payload"),
    413: problem_schema("Body larger than the format accepts"),
    415: problem_schema("Content-Type is not a supported transaction format"),
    503: problem_schema("The shared entity state store (Redis) is unavailable; retry after "
                        "`Retry-After` seconds with the same transaction ids"),
}
# Answer language -> (the engine's language, Content-Language). The engine writes English and
# Simplified Chinese; Traditional is converted from Simplified here, at the edge.
_ANSWER_LANGUAGES = {"en": ("en", b"en"), "zh_Hans": ("zh", b"zh-Hans"),
                     "zh_Hant": ("zh", b"zh-Hant")}


class InvalidTransaction(ValidationFailed):
    code = "invalid-transaction"
    title = "Invalid transaction"


def reason_locale(accept_language: str | None) -> str:
    """The language of the reasons for ``Accept-Language`` (``en``, ``zh_Hans`` or
    ``zh_Hant``; zh-TW/HK/MO and zh-Hant read Traditional). Highest q-value wins."""
    return locale_from_accept_language(accept_language) or "en"


def _in_language(answers: list[Answer], locale: str) -> list[Answer]:
    """Answers with their reason messages as a ``locale`` reader writes them. The cached
    answers are shared by every caller, so converted ones are copies."""
    if locale != "zh_Hant":
        return answers
    return [
        {**answer, "reasons": [{**reason, "message": to_traditional(reason["message"])}
                               for reason in answer["reasons"]]}
        for answer in answers
    ]


def _runtime(request: Request) -> RiskRuntime:
    runtime: RiskRuntime = request.app.state.risk
    return runtime


def _parse(request: Request, body: bytes) -> list[Transaction]:
    try:
        return parse_payload(
            header(request, b"content-type") or "", body, now=datetime.now(UTC),
            card_token_key=card_token_key(request.app.state.settings),
        )
    except FormatError as error:
        errors = [{"field": field, "message": message} for field, message in error.problems]
        if error.code == PayloadTooLarge.code:
            raise PayloadTooLarge(error.message, field=error.field) from error
        if error.code == UnsupportedMediaType.code:
            raise UnsupportedMediaType(error.message, field=error.field) from error
        raise InvalidTransaction(str(error), field=error.field, errors=errors) from error


def _json(content: Any, locale: str) -> Response:
    response = Response(orjson.dumps(content), media_type="application/json")
    # Appended as bytes: a ``headers=`` mapping is encoded and searched on every answer.
    response.raw_headers.append((b"content-language", _ANSWER_LANGUAGES[locale][1]))
    return response


async def _score(request: Request) -> tuple[list[Answer], str]:
    txns = _parse(request, await read_body(request, MAX_BODY_BYTES))
    if len(txns) > MAX_BATCH:
        raise InvalidTransaction(f"at most {MAX_BATCH} transactions per request",
                                 field="transactions")
    locale = reason_locale(header(request, b"accept-language"))
    try:
        answers = await _runtime(request).score(txns, _ANSWER_LANGUAGES[locale][0])
    except StateStoreUnavailable as error:  # nothing was scored or recorded: retry later
        raise Unavailable(f"entity state store unavailable; retry: {error}") from error
    return _in_language(answers, locale), locale


@router.post(
    "/transactions", response_model=DecisionRead | DecisionList, responses=PROBLEMS,
    summary="Score a transaction (JSON, ISO 20022 or ISO 8583)",
)
async def score_transaction(request: Request, caller: Scoring) -> Response:
    """One transaction answers one decision; a message holding several (an ISO 20022
    pacs.008 / pain.001 with many credit transfers, a JSON batch) answers ``decisions``."""
    answers, locale = await _score(request)
    return _json(answers[0] if len(answers) == 1 else {"decisions": answers}, locale)


@router.post(
    "/transactions:batch", response_model=DecisionList, responses=PROBLEMS,
    summary="Score up to 1,000 transactions in order",
)
async def score_batch(request: Request, caller: Scoring) -> Response:
    answers, locale = await _score(request)
    return _json({"decisions": answers}, locale)
