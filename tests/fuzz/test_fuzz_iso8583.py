"""Fuzz target: ISO 8583 messages, random, mutated, and re-encoded with arbitrary field text."""

from __future__ import annotations

import iso8583
from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.formats import parse_payload
from paytrust.risk.formats.iso8583 import SPEC_1987_ASCII
from tests.fuzz.mutations import FUZZ_SETTINGS, assert_transactions_or_format_error, inputs
from tests.risk.formats.factories import CARD_TOKEN_KEY, NOW, iso8583_fields, iso8583_message

SEEDS = [iso8583_message(), iso8583_message(t="0400", DE90="0100111111041310140" + "0" * 23),
         iso8583_message(DE2=None, DE35="4111111111111111=2912101")]
_FIELDS = ("t", "2", "3", "4", "7", "11", "12", "13", "18", "22", "37", "41", "42", "43", "49",
           "52", "90", "102")


def _parse(content_type: str, body: bytes) -> None:
    assert_transactions_or_format_error(
        lambda: parse_payload(content_type, body, now=NOW, card_token_key=CARD_TOKEN_KEY))


@FUZZ_SETTINGS
@given(inputs(SEEDS))
def test_random_and_mutated_messages(message: bytes) -> None:
    _parse("application/iso8583", message)


@FUZZ_SETTINGS
@given(st.dictionaries(st.sampled_from(_FIELDS), st.text(st.characters(codec="ascii"),
                                                          max_size=45), max_size=5))
def test_messages_with_arbitrary_field_text(changes: dict[str, str]) -> None:
    fields = {**iso8583_fields(), **changes}
    try:
        raw, _ = iso8583.encode(fields, SPEC_1987_ASCII)
    except iso8583.EncodeError:
        return  # the text does not fit the field; the byte-level target covers such inputs
    _parse("application/iso8583", bytes(raw))


@FUZZ_SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_json_wrappers(body: bytes) -> None:
    _parse("application/iso8583+json", body)
