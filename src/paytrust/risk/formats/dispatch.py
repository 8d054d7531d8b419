"""Pick the parser for a request body by its media type.

| Content-Type | parser |
|---|---|
| ``application/json`` | PayTrust JSON: one transaction or ``{"transactions": [...]}`` |
| ``application/xml``, ``text/xml`` | ISO 20022 pacs.008 / pain.001 (told apart by namespace) |
| ``application/iso8583``, ``application/octet-stream; format=iso8583`` | one raw ISO 8583 message |
| ``application/iso8583+json`` | ISO 8583 messages in the hex / base64 JSON wrapper |
"""

from __future__ import annotations

from datetime import datetime

from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.formats.errors import UnsupportedFormat
from paytrust.risk.formats.iso8583 import parse_iso8583, parse_iso8583_json
from paytrust.risk.formats.iso20022 import Iso20022Schemas, parse_iso20022
from paytrust.risk.formats.paytrust_json import parse_json_payload

__all__ = ["SUPPORTED_MEDIA_TYPES", "parse_payload"]

SUPPORTED_MEDIA_TYPES = (
    "application/json",
    "application/xml",
    "text/xml",
    "application/iso8583",
    "application/octet-stream; format=iso8583",
    "application/iso8583+json",
)


def parse_payload(
    content_type: str,
    body: bytes,
    *,
    now: datetime,
    card_token_key: bytes,
    iso20022_schemas: Iso20022Schemas | None = None,
) -> list[Transaction]:
    """The transactions in ``body``, in order; raises only ``FormatError`` for bad input.

    ``now`` dates ISO 8583 messages (they carry no year); ``card_token_key`` keys the PAN token
    (see ``parse_iso8583``); ``iso20022_schemas`` turns on XSD validation of ISO 20022 bodies.
    """
    if content_type == "application/json":  # nearly every request: skip splitting it (~0.4 µs)
        return parse_json_payload(body)
    media_type, parameters = _media_type(content_type)
    if media_type == "application/json":
        return parse_json_payload(body)
    if media_type in ("application/xml", "text/xml"):
        return parse_iso20022(body, schemas=iso20022_schemas)
    if media_type == "application/iso8583" or (
        media_type == "application/octet-stream" and parameters.get("format") == "iso8583"
    ):
        return [parse_iso8583(body, now=now, card_token_key=card_token_key)]
    if media_type == "application/iso8583+json":
        return parse_iso8583_json(body, now=now, card_token_key=card_token_key)
    raise UnsupportedFormat(
        "content-type",
        f"{media_type or 'no media type'!r} is not accepted; send one of: "
        + ", ".join(SUPPORTED_MEDIA_TYPES),
    )


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """``type/subtype`` in lower case and the parameters, as RFC 9110 spells them."""
    media_type, *raw_parameters = content_type.split(";")
    parameters = {}
    for raw in raw_parameters:
        key, _, value = raw.partition("=")
        parameters[key.strip().lower()] = value.strip().strip('"').lower()
    return media_type.strip().lower(), parameters
