"""parse_payload: one entry point choosing the parser by media type."""

from __future__ import annotations

import pytest

from paytrust.risk.formats import FormatError, UnsupportedFormat, parse_payload
from tests.risk.formats.factories import (
    CARD_TOKEN_KEY,
    NOW,
    iso8583_message,
    json_body,
    json_transaction,
    pacs008,
    pain001,
)


def _parse(content_type: str, body: bytes) -> list[str]:
    transactions = parse_payload(content_type, body, now=NOW, card_token_key=CARD_TOKEN_KEY)
    return [transaction.transaction_id for transaction in transactions]


@pytest.mark.parametrize(("content_type", "body", "ids"), [
    ("application/json", json_body(json_transaction()), ["tx-1"]),
    ("Application/JSON; charset=utf-8", json_body({"transactions": [json_transaction()]}),
     ["tx-1"]),
    ("application/xml", pacs008({"uetr": "u-1"}), ["u-1"]),
    ("text/xml; charset=UTF-8", pain001(), ["E2E-1-1", "E2E-2-1", "E2E-2-2"]),
    ("application/iso8583", iso8583_message(), ["610312345678-123456"]),
    ("application/octet-stream; format=iso8583", iso8583_message(), ["610312345678-123456"]),
    ("application/iso8583+json",
     b'{"encoding": "hex", "messages": ["%s"]}' % iso8583_message().hex().encode(),
     ["610312345678-123456"]),
])
def test_each_media_type_reaches_its_parser(content_type: str, body: bytes, ids: list[str]) -> None:
    assert _parse(content_type, body) == ids


@pytest.mark.parametrize("content_type", [
    "", "text/plain", "application/octet-stream", "application/octet-stream; format=mt103",
    "multipart/form-data",
])
def test_other_media_types_are_unsupported_naming_the_content_type(content_type: str) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        _parse(content_type, b"{}")
    assert caught.value.field == "content-type"
    assert caught.value.code == "unsupported-media-type"


def test_a_body_of_the_wrong_format_is_a_format_error_not_a_crash() -> None:
    with pytest.raises(FormatError) as caught:
        _parse("application/json", pacs008({}))
    assert caught.value.field == "body"
    assert caught.value.code == "invalid-transaction"
