"""ISO 8583:1987: the documented field mapping, PAN handling, dates without a year, samples."""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
)
from paytrust.risk.formats import FormatError, parse_iso8583, parse_iso8583_json
from paytrust.risk.formats.iso8583._codes import CURRENCY_BY_NUMBER
from paytrust.risk.formats.iso8583._wire import decode_message
from tests.risk.formats.factories import (
    CARD_TOKEN_KEY,
    ISO8583_DATA,
    NOW,
    iso8583_message,
)

MESSAGES = ISO8583_DATA / "messages"
needs_samples = pytest.mark.skipif(not MESSAGES.is_dir(), reason=f"samples absent: {MESSAGES}")
PAN = "6228480012345678901"


def _parse(message: bytes, now: datetime = NOW) -> Transaction:
    return parse_iso8583(message, now=now, card_token_key=CARD_TOKEN_KEY)


def _error(message: bytes) -> FormatError:
    with pytest.raises(FormatError) as caught:
        _parse(message)
    return caught.value


def test_contactless_pin_purchase_maps_every_documented_field() -> None:
    transaction = _parse(iso8583_message())

    assert transaction.transaction_id == "610312345678-123456"  # RRN-STAN
    assert transaction.type is TransactionType.PAYMENT
    assert (transaction.amount_minor, transaction.currency) == (12500, "CNY")
    assert transaction.occurred_at == datetime(2026, 4, 13, 10, 15, tzinfo=UTC)  # DE7
    assert transaction.channel is Channel.NFC
    assert transaction.auth_method is AuthMethod.PIN
    assert transaction.card_bin == "62284800"
    assert (transaction.merchant_id, transaction.device_id) == ("MERCHANT000042", "TERM0001")
    assert (transaction.merchant_category, transaction.merchant_country) == ("5812", "CN")
    assert transaction.payee_name == "GOLDEN DRAGON TEA HOUSE"


def test_the_full_pan_is_kept_nowhere_in_the_transaction() -> None:
    transaction = _parse(iso8583_message())

    assert PAN not in repr(transaction)
    assert transaction.customer_id.startswith("card:")
    assert transaction.account_id == transaction.customer_id


def test_card_token_is_stable_per_card_and_depends_on_the_key() -> None:
    first, again = _parse(iso8583_message()), _parse(iso8583_message(DE11="654321"))
    other_card = _parse(iso8583_message(DE2="6228480012345678902"))
    other_key = parse_iso8583(iso8583_message(), now=NOW, card_token_key=b"another-key" * 2)

    assert first.customer_id == again.customer_id
    assert other_card.customer_id != first.customer_id
    assert other_key.customer_id != first.customer_id


def test_a_short_token_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="card_token_key"):
        parse_iso8583(iso8583_message(), now=NOW, card_token_key=b"short")


@pytest.mark.parametrize(("pan", "card_bin"), [
    ("4111111111111111", "41111111"), ("371449635398431", "371449"), ("6228480012345678901",
                                                                       "62284800"),
])
def test_bin_is_eight_digits_for_long_pans_and_six_for_short_ones(pan: str, card_bin: str) -> None:
    assert _parse(iso8583_message(DE2=pan)).card_bin == card_bin


def test_pan_is_taken_from_track_2_when_de2_is_absent() -> None:
    transaction = _parse(iso8583_message(DE2=None, DE35="4111111111111111=29121010000000000000"))

    assert transaction.card_bin == "41111111"


def test_account_identification_overrides_the_card_token_as_account() -> None:
    assert _parse(iso8583_message(DE102="ACC-778899")).account_id == "ACC-778899"


@pytest.mark.parametrize(("code", "expected"), [
    ("000000", TransactionType.PAYMENT), ("010000", TransactionType.CASH_OUT),
    ("090000", TransactionType.PAYMENT), ("200000", TransactionType.REFUND),
    ("210000", TransactionType.CASH_IN), ("260000", TransactionType.P2P_TRANSFER),
    ("280000", TransactionType.TOP_UP), ("401020", TransactionType.P2P_TRANSFER),
    ("500000", TransactionType.BILL_PAY),
])
def test_processing_code_selects_the_type(code: str, expected: TransactionType) -> None:
    assert _parse(iso8583_message(DE3=code)).type is expected


@pytest.mark.parametrize("code", ["310000", "380000", "900000", "230000"])
def test_inquiries_and_unassigned_processing_codes_are_refused(code: str) -> None:
    assert _error(iso8583_message(DE3=code)).field == "DE3"


@pytest.mark.parametrize(("entry_mode", "channel"), [
    ("071", Channel.NFC), ("911", Channel.NFC), ("812", Channel.WEB), ("102", Channel.WEB),
    ("051", Channel.CARD), ("901", Channel.CARD), ("011", Channel.CARD), (None, Channel.CARD),
])
def test_pos_entry_mode_selects_the_channel(entry_mode: str | None, channel: Channel) -> None:
    assert _parse(iso8583_message(DE22=entry_mode)).channel is channel


def test_without_pin_data_the_auth_method_is_none() -> None:
    assert _parse(iso8583_message(DE52=None)).auth_method is AuthMethod.NONE


def test_without_rrn_the_id_is_transmission_time_and_stan() -> None:
    assert _parse(iso8583_message(DE37=None)).transaction_id == "0413101500-123456"


def test_reversal_is_a_refund_pointing_at_the_original() -> None:
    original = "0100" + "111111" + "0413101400" + "0" * 22
    transaction = _parse(iso8583_message(t="0400", DE11="222222", DE90=original))

    assert transaction.type is TransactionType.REFUND
    assert transaction.original_transaction_id == "610312345678-111111"


def test_reversal_without_original_data_elements_is_refused() -> None:
    assert _error(iso8583_message(t="0400")).field == "DE90"


@pytest.mark.parametrize("mti", ["0110", "0210", "0800", "0500", "1100", "0130"])
def test_responses_and_other_message_classes_are_refused(mti: str) -> None:
    assert _error(iso8583_message(t=mti)).field == "MTI"


@pytest.mark.parametrize(("changes", "field"), [
    ({"DE4": "000000000000"}, "DE4"), ({"DE4": None}, "DE4"), ({"DE49": "946"}, "DE49"),
    ({"DE49": None}, "DE49"), ({"DE2": "12345"}, "DE2"), ({"DE2": None}, "DE2"),
    ({"DE11": None}, "DE11"), ({"DE18": "58A2"}, "DE18"), ({"DE7": "1332101500"}, "DE7"),
    ({"DE13": "0230"}, "DE13"), ({"DE12": "246000"}, "DE12"), ({"DE3": None}, "DE3"),
    ({"DE7": None, "DE13": None}, "DE7"),
])
def test_invalid_or_missing_elements_are_named(changes: dict[str, str | None], field: str) -> None:
    assert _error(iso8583_message(**changes)).field == field


def test_truncated_message_names_the_element_that_ran_short() -> None:
    assert _error(iso8583_message()[:-5]).field == "DE52"


def test_year_is_the_one_closest_to_the_reference_date() -> None:
    new_year = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    late_december = _parse(iso8583_message(DE7="1231235900", DE13="1231"), now=new_year)
    early_january = _parse(iso8583_message(DE7="0101000100", DE13="0101"), now=new_year)

    assert late_december.occurred_at == datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert early_january.occurred_at == datetime(2027, 1, 1, 0, 1, tzinfo=UTC)


def test_29_february_resolves_to_the_nearest_leap_year() -> None:
    transaction = _parse(iso8583_message(DE7="0229120000", DE13="0229"),
                         now=datetime(2029, 1, 10, tzinfo=UTC))

    assert transaction.occurred_at.year == 2028


def test_local_date_and_time_stand_in_for_a_missing_transmission_time() -> None:
    transaction = _parse(iso8583_message(DE7=None))

    assert transaction.occurred_at == datetime(2026, 4, 13, 18, 15, tzinfo=UTC)


def test_json_wrapper_carries_several_messages_as_hex_or_base64() -> None:
    first, second = iso8583_message(), iso8583_message(DE11="000002")
    hex_body = b'{"encoding": "hex", "messages": ["%s", "%s"]}' % (
        first.hex().encode(), second.hex().encode())
    b64_body = b'{"encoding": "base64", "messages": ["%s"]}' % base64.b64encode(first)

    by_hex = parse_iso8583_json(hex_body, now=NOW, card_token_key=CARD_TOKEN_KEY)
    by_b64 = parse_iso8583_json(b64_body, now=NOW, card_token_key=CARD_TOKEN_KEY)

    assert [t.transaction_id for t in by_hex] == ["610312345678-123456", "610312345678-000002"]
    assert by_b64 == by_hex[:1]


@pytest.mark.parametrize(("body", "field"), [
    (b'{"encoding": "hex", "messages": ["zz"]}', "messages[0]"),
    (b'{"encoding": "rot13", "messages": []}', "encoding"),
    (b'{"encoding": "hex", "messages": []}', "messages"),
    (b'{"messages": []}', "body"),
    (b"[", "body"),
])
def test_json_wrapper_errors_name_the_field(body: bytes, field: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_iso8583_json(body, now=NOW, card_token_key=CARD_TOKEN_KEY)
    assert caught.value.field == field


def test_json_wrapper_error_inside_a_message_names_message_and_element() -> None:
    body = b'{"encoding": "hex", "messages": ["%s"]}' % iso8583_message(DE49="999").hex().encode()

    with pytest.raises(FormatError) as caught:
        parse_iso8583_json(body, now=NOW, card_token_key=CARD_TOKEN_KEY)
    assert caught.value.field == "messages[0].DE49"


def test_currency_table_covers_exactly_the_accepted_currencies() -> None:
    assert sorted(CURRENCY_BY_NUMBER.values()) == sorted(CURRENCY_EXPONENTS)


@given(amount=st.integers(min_value=1, max_value=10**12 - 1),
       number=st.sampled_from(sorted(CURRENCY_BY_NUMBER)))
def test_amount_and_currency_round_trip(amount: int, number: str) -> None:
    transaction = _parse(iso8583_message(DE4=f"{amount:012d}", DE49=number))

    assert (transaction.amount_minor, transaction.currency) == (amount,
                                                                CURRENCY_BY_NUMBER[number])


@needs_samples
def test_reference_reversal_decodes_to_a_refund_of_its_original() -> None:
    transaction = _parse((MESSAGES / "iso_reversal_message.dat").read_bytes(),
                         now=datetime(2026, 1, 5, tzinfo=UTC))

    assert transaction.transaction_id == "600020000000-100331"
    assert transaction.original_transaction_id == "600020000000-003316"
    assert (transaction.amount_minor, transaction.currency) == (30000, "IDR")
    assert transaction.card_bin == "11111111"
    assert transaction.occurred_at == datetime(2026, 1, 9, 8, 6, 46, tzinfo=UTC)


@needs_samples
@pytest.mark.parametrize(("name", "field"), [
    ("error_message.dat", "DE55"),  # truncated
    ("iso_reversal_message_error_date.dat", "DE13"),  # month 90
    ("financial_transaction_message.dat", "DE3"),  # 38: an inquiry, and zero amount
    ("financial_transaction_message_response.dat", "MTI"),
    ("network_management_message.dat", "MTI"),
    ("iso_reversal_message_advice.dat", "DE49"),  # no currency
    ("iso_reversal_repeat_message.dat", "DE90"),  # original MTI reads "3132"
])
def test_reference_messages_that_cannot_be_scored_name_the_reason(name: str, field: str) -> None:
    assert _error((MESSAGES / name).read_bytes()).field == field


@needs_samples
def test_track_2_is_read_as_ebcdic_like_the_reference_messages() -> None:
    fields = decode_message((MESSAGES / "network_management_message_with_track.dat").read_bytes())

    assert fields["35"] == "FFF"


@needs_samples
@pytest.mark.parametrize("path", sorted(MESSAGES.glob("*.dat")) if MESSAGES.is_dir() else [],
                         ids=lambda path: Path(path).name)
def test_every_reference_message_gives_a_transaction_or_a_format_error(path: Path) -> None:
    with contextlib.suppress(FormatError):
        _parse(path.read_bytes())
