"""PayTrust JSON: the documented model, its checks, and the byte-level fast paths."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    AuthMethod,
    Channel,
    TransactionType,
)
from paytrust.risk.formats import (
    FormatError,
    OversizedPayload,
    TransactionBatchIn,
    TransactionIn,
    parse_json_batch,
    parse_json_payload,
    parse_json_transaction,
)
from paytrust.risk.formats.paytrust_json import MAX_JSON_BYTES
from tests.risk.formats.factories import json_body, json_transaction


def _field_error(**changes: Any) -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse_json_transaction(json_body(json_transaction(**changes)))
    return caught.value


def test_complete_transaction_maps_every_field_with_money_in_minor_units() -> None:
    transaction = parse_json_transaction(json_body(json_transaction()))

    assert transaction.transaction_id == "tx-1"
    assert transaction.occurred_at == datetime(2026, 4, 13, 2, 30, tzinfo=UTC)
    assert transaction.type is TransactionType.PAYMENT
    assert transaction.channel is Channel.QR
    assert transaction.auth_method is AuthMethod.PIN
    assert (transaction.amount_minor, transaction.currency) == (12850, "CNY")
    assert (transaction.balance_before_minor, transaction.balance_after_minor) == (500000, 487150)
    assert (transaction.merchant_category, transaction.card_bin) == ("5812", "62284800")
    assert (transaction.latitude, transaction.longitude) == (22.543, 114.058)


def test_optional_fields_default_to_none_and_auth_method_to_none() -> None:
    required = {k: v for k, v in json_transaction().items() if k in TransactionIn.model_fields
                and TransactionIn.model_fields[k].is_required()}

    transaction = parse_json_transaction(json_body(required))

    assert transaction.auth_method is AuthMethod.NONE
    assert transaction.merchant_id is None
    assert transaction.balance_before_minor is None


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("1", "JPY", 1), ("0.005", "KWD", 5), ("12.5", "USD", 1250), (12.5, "USD", 1250),
    ("10.500", "EUR", 1050), ("1E+3", "CNY", 100000), (7, "VND", 7),
])
def test_amount_converts_exactly_to_minor_units(amount: Any, currency: str, minor: int) -> None:
    transaction = parse_json_transaction(
        json_body(json_transaction(amount=amount, currency=currency,
                                   balance_before=None, balance_after=None)))

    assert transaction.amount_minor == minor


@pytest.mark.parametrize(("changes", "field"), [
    ({"currency": "XYZ"}, "currency"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "1.005"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "Infinity"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "10000000000000"}, "amount"),
    ({"amount": 0.1 + 0.2}, "amount"),  # 0.30000000000000004: not the amount anyone meant
    ({"balance_after": "1.001"}, "balance_after"),
    ({"occurred_at": "2026-04-13T10:30:00"}, "occurred_at"),
    ({"credential_changed_at": "2026-04-13T10:30:00"}, "credential_changed_at"),
    ({"country": "cn"}, "country"),
    ({"payee_country": "CHN"}, "payee_country"),
    ({"merchant_category": "581"}, "merchant_category"),
    ({"card_bin": "622848001234"}, "card_bin"),
    ({"customer_id": ""}, "customer_id"),
    ({"customer_id": "   "}, "customer_id"),
    ({"account_id": "a" * 161}, "account_id"),
    ({"device_id": "dev\n1"}, "device_id"),
    ({"ip": "203.0.113.300"}, "ip"),
    ({"latitude": 91.0}, "latitude"),
    ({"longitude": -180.5}, "longitude"),
    ({"longitude": None}, "latitude"),
    ({"type": "teleport"}, "type"),
    ({"channel": "pigeon"}, "channel"),
    ({"amount": None}, "amount"),
    ({"pan": "6228480012345678"}, "pan"),
])
def test_each_invalid_value_is_rejected_naming_its_field(
    changes: dict[str, Any], field: str
) -> None:
    assert _field_error(**changes).field == field


def test_unknown_currency_error_lists_the_accepted_ones() -> None:
    assert "CNY" in _field_error(currency="XYZ").message


def test_naive_timestamp_message_says_an_offset_is_needed() -> None:
    assert "timezone" in _field_error(occurred_at="2026-04-13T10:30:00").message


def test_timestamps_are_normalised_to_utc() -> None:
    transaction = parse_json_transaction(json_body(json_transaction(
        occurred_at="2026-04-13T00:30:00-05:00", sim_swapped_at="2026-04-12T23:00:00Z")))

    assert transaction.occurred_at == datetime(2026, 4, 13, 5, 30, tzinfo=UTC)
    assert transaction.sim_swapped_at == datetime(2026, 4, 12, 23, 0, tzinfo=UTC)


def test_ipv4_mapped_ipv6_address_is_stored_as_ipv4() -> None:
    transaction = parse_json_transaction(json_body(json_transaction(ip="::ffff:203.0.113.7")))

    assert transaction.ip == "203.0.113.7"


def test_invalid_json_is_a_body_error() -> None:
    with pytest.raises(FormatError) as caught:
        parse_json_transaction(b'{"transaction_id": ')
    assert caught.value.field == "body"


def test_every_problem_is_reported_not_only_the_first() -> None:
    error = _field_error(currency="XYZ", country="cn", ip="nope")

    assert {field for field, _ in error.problems} >= {"country", "ip"}


def test_batch_keeps_order_and_names_the_index_of_a_bad_item() -> None:
    items = [json_transaction(transaction_id=f"tx-{i}") for i in range(3)]
    assert [t.transaction_id for t in parse_json_batch(json_body({"transactions": items}))] == [
        "tx-0", "tx-1", "tx-2"]

    items[2]["amount"] = "1.001"
    with pytest.raises(FormatError) as caught:
        parse_json_batch(json_body({"transactions": items}))
    assert caught.value.field == "transactions[2].amount"


@pytest.mark.parametrize("size", [0, 1001])
def test_batch_size_must_be_between_one_and_a_thousand(size: int) -> None:
    with pytest.raises(FormatError) as caught:
        parse_json_batch(json_body({"transactions": [json_transaction()] * size}))
    assert caught.value.field == "transactions"


def test_payload_accepts_a_single_object_or_a_batch() -> None:
    single = json_transaction()
    assert len(parse_json_payload(json_body(single))) == 1
    assert len(parse_json_payload(json_body({"transactions": [single, single]}))) == 2


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(OversizedPayload):
        parse_json_payload(b" " * (MAX_JSON_BYTES + 1))


def test_openapi_schema_documents_every_field_with_description_and_example() -> None:
    schema = TransactionBatchIn.model_json_schema()
    properties = schema["$defs"]["TransactionIn"]["properties"]

    assert schema["$defs"]["TransactionIn"]["additionalProperties"] is False
    for name, prop in properties.items():
        assert prop.get("description"), name
        assert "examples" in prop, name


@given(
    currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
    minor=st.integers(min_value=1, max_value=10**15 - 1),
)
def test_major_unit_string_round_trips_to_the_same_minor_units(currency: str, minor: int) -> None:
    exponent = CURRENCY_EXPONENTS[currency]
    amount = str(Decimal(minor).scaleb(-exponent))
    body = json_body(json_transaction(amount=amount, currency=currency,
                                      balance_before=None, balance_after=None))

    assert parse_json_transaction(body).amount_minor == minor


@given(currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
       minor=st.integers(min_value=1, max_value=10**12))
def test_one_digit_more_than_the_currency_allows_is_always_rejected(
    currency: str, minor: int
) -> None:
    exponent = CURRENCY_EXPONENTS[currency]
    amount = str(Decimal(minor * 10 + 1).scaleb(-exponent - 1))

    assert _field_error(amount=amount, currency=currency, balance_before=None,
                        balance_after=None).field == "amount"
