"""Fuzz target: PayTrust JSON bodies, random, mutated, and structurally wild field values."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.formats import parse_payload
from tests.fuzz.mutations import FUZZ_SETTINGS, assert_transactions_or_format_error, inputs
from tests.risk.formats.factories import CARD_TOKEN_KEY, NOW, json_body, json_transaction

SEEDS = [json_body(json_transaction()), json_body({"transactions": [json_transaction()] * 2})]
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=3),
    max_leaves=8,
)


def _parse(body: bytes) -> None:
    assert_transactions_or_format_error(
        lambda: parse_payload("application/json", body, now=NOW, card_token_key=CARD_TOKEN_KEY))


@FUZZ_SETTINGS
@given(inputs(SEEDS))
def test_random_and_mutated_json_bodies(body: bytes) -> None:
    _parse(body)


@FUZZ_SETTINGS
@given(st.dictionaries(st.sampled_from(sorted(json_transaction())), _JSON_VALUES, max_size=6))
def test_valid_transaction_with_wild_field_values(changes: dict[str, Any]) -> None:
    _parse(json_body(json_transaction(**changes)))
