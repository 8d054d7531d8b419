"""Fuzz target: ISO 20022 XML, random, mutated, and with hostile element text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.formats import parse_payload
from tests.fuzz.mutations import FUZZ_SETTINGS, assert_transactions_or_format_error, inputs
from tests.risk.formats.factories import CARD_TOKEN_KEY, NOW, pacs008, pain001

SEEDS = [pacs008({}, {}), pacs008({}, envelope=True), pain001()]
_TRANSFER_KEYS = ("uetr", "e2e", "amount", "ccy", "debtor_iban", "creditor_iban",
                  "creditor_name", "creditor_country")
_XML_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="<&"), max_size=40)


def _parse(body: bytes) -> None:
    assert_transactions_or_format_error(
        lambda: parse_payload("application/xml", body, now=NOW, card_token_key=CARD_TOKEN_KEY))


@FUZZ_SETTINGS
@given(inputs(SEEDS))
def test_random_and_mutated_xml_bodies(body: bytes) -> None:
    _parse(body)


@FUZZ_SETTINGS
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(_TRANSFER_KEYS, _XML_TEXT)))
def test_credit_transfer_with_arbitrary_element_text(transfer: dict[str, str]) -> None:
    _parse(pacs008(transfer))
