"""From bytes on the wire (or a JSON wrapper of them) to pyiso8583's field dictionary."""

from __future__ import annotations

import base64
import binascii

import iso8583
import orjson

from paytrust.risk.formats import _checks
from paytrust.risk.formats.errors import FormatError, OversizedPayload
from paytrust.risk.formats.iso8583._spec import SPEC_1987_ASCII

# Far above a real authorisation (a few hundred bytes), far below anything that costs to decode.
MAX_ISO8583_BYTES = 8 * 1024
_MAX_WRAPPER_BYTES = _checks.MAX_BATCH_SIZE * MAX_ISO8583_BYTES * 2
_WRAPPER_ENCODINGS = ("hex", "base64")


def decode_message(message: bytes) -> dict[str, str]:
    """Field number (``"t"`` for the MTI) to its decoded text."""
    if len(message) > MAX_ISO8583_BYTES:
        raise OversizedPayload("message", f"ISO 8583 message is larger than {MAX_ISO8583_BYTES} "
                                          "bytes")
    try:
        decoded, _ = iso8583.decode(bytes(message), SPEC_1987_ASCII)
    except iso8583.DecodeError as error:
        raise FormatError(_field_name(error.field), f"cannot decode: {error.msg}") from None
    return decoded


def unwrap_json(body: bytes) -> list[bytes]:
    """``{"encoding": "hex" | "base64", "messages": ["...", ...]}`` to raw messages: a way to
    send several messages, or to send them through JSON-only infrastructure."""
    if len(body) > _MAX_WRAPPER_BYTES:
        raise OversizedPayload("body", f"JSON body is larger than {_MAX_WRAPPER_BYTES} bytes")
    try:
        wrapper = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise FormatError("body", f"not valid JSON: {error}") from None
    if not isinstance(wrapper, dict) or set(wrapper) != {"encoding", "messages"}:
        raise FormatError("body", 'expected {"encoding": "hex" | "base64", "messages": [...]}')
    encoding, messages = wrapper["encoding"], wrapper["messages"]
    if encoding not in _WRAPPER_ENCODINGS:
        raise FormatError("encoding", 'must be "hex" or "base64"')
    if not isinstance(messages, list) or not 1 <= len(messages) <= _checks.MAX_BATCH_SIZE:
        raise FormatError("messages", f"must be a list of 1 to {_checks.MAX_BATCH_SIZE} messages")
    return [_decode_text(f"messages[{i}]", text, encoding) for i, text in enumerate(messages)]


def _decode_text(field: str, text: object, encoding: str) -> bytes:
    if not isinstance(text, str):
        raise FormatError(field, f"must be a {encoding} string")
    try:
        if encoding == "hex":
            return bytes.fromhex(text)
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise FormatError(field, f"not valid {encoding}") from None


def _field_name(field: str) -> str:
    return {"t": "MTI", "p": "bitmap", "1": "bitmap", "h": "header"}.get(field, f"DE{field}")
