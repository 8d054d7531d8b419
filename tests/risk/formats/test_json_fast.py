"""The fast path of PayTrust JSON, held against the model it stands in for.

Whenever ``_json_fast`` accepts a body, the model (``TransactionIn``, the same public parser with
the fast path switched off) must accept it too and build the very same transactions. Valid
bodies of every shape, borderline values and byte-level mutations go to both; and the fast path
must really take the common bodies, or it would be a slow no-op.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
)
from paytrust.risk.formats import (
    FormatError,
    OversizedPayload,
    TransactionIn,
    _checks,
    _json_fast,
    parse_json_batch,
    parse_json_payload,
    parse_json_transaction,
)
from paytrust.risk.formats.paytrust_json import MAX_BATCH_SIZE, MAX_JSON_BYTES
from paytrust.simulator import SimulationConfig, simulate
from paytrust.simulator.api import to_api_json
from paytrust.simulator.sender import live_transactions
from tests.fuzz.mutations import mutated
from tests.risk.formats.factories import json_body, json_transaction

DIFFERENTIAL = settings(max_examples=200, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow])

KINDS = ("payload", "transaction", "batch")
_PARSERS: dict[str, Callable[[bytes], Transaction | list[Transaction]]] = {
    "payload": parse_json_payload, "transaction": parse_json_transaction,
    "batch": parse_json_batch,
}
_FAST: dict[str, Callable[[bytes], Transaction | list[Transaction] | None]] = {
    "payload": _json_fast.decode_payload, "transaction": _json_fast.decode_transaction,
    "batch": _json_fast.decode_batch,
}


def _as_list(result: Transaction | list[Transaction]) -> list[Transaction]:
    return result if isinstance(result, list) else [result]


def _by_model(kind: str, body: bytes) -> list[Transaction]:
    with mock.patch.object(_json_fast, f"decode_{kind}", return_value=None):
        return _as_list(_PARSERS[kind](body))


def _assert_identical(fast: list[Transaction], model: list[Transaction]) -> None:
    """``==``, and what ``==`` lets pass: a str for an enum, another zone for the same instant,
    an int for a float, -0.0 for 0.0."""
    assert fast == model
    for ours, theirs in zip(fast, model, strict=True):
        for field in dataclasses.fields(Transaction):
            mine, reference = getattr(ours, field.name), getattr(theirs, field.name)
            assert type(mine) is type(reference), field.name
            if isinstance(mine, datetime):
                assert mine.tzinfo is reference.tzinfo is UTC, field.name
                assert mine.fold == reference.fold, field.name
            if isinstance(mine, float):
                assert math.copysign(1, mine) == math.copysign(1, reference), field.name


def _assert_agrees(body: bytes) -> int:
    """Every parser: when the fast path accepts, the model accepts the same. Returns how many of
    the three parsers the fast path accepted ``body`` for."""
    accepted = 0
    for kind in KINDS:
        fast = _FAST[kind](body)
        if fast is None:
            continue
        accepted += 1
        try:
            model = _by_model(kind, body)
        except FormatError as error:
            pytest.fail(f"{kind}: the fast path accepted what the model refuses: {error}")
        _assert_identical(_as_list(fast), model)
    return accepted


# --- values -------------------------------------------------------------------------------

_ID_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
_IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9:_.\-]{0,24}", fullmatch=True) | st.text(
    _ID_CHARS, min_size=1, max_size=_checks.MAX_ID_LENGTH).filter(
        lambda text: bool(text.strip()) and text.isprintable())
_NAMES = st.text(_ID_CHARS, min_size=1, max_size=_checks.MAX_NAME_LENGTH).filter(
    lambda text: bool(text.strip()) and text.isprintable())
_COUNTRIES = st.sampled_from(["CN", "HK", "SG", "US", "GB", "KE"]) | st.from_regex(
    r"[A-Z]{2}", fullmatch=True)
_MCCS = st.from_regex(r"[0-9]{4}", fullmatch=True)
_BINS = st.from_regex(r"[0-9]{6,8}", fullmatch=True)
_IPS = (st.ip_addresses(v=4).map(str) | st.ip_addresses(v=6).map(str)
        | st.ip_addresses(v=4).map(lambda address: f"::ffff:{address}"))


@st.composite
def _instants(draw: st.DrawFn, *, plain: bool = False) -> str:
    """RFC 3339 times of every offset and fraction; unless ``plain``, also the other spellings
    pydantic reads (space or ``t`` for ``T``, ``z``, comma fractions, ``+hhmm``, 7-9 digits)."""
    # Plain times stay a day off the ends, where an offset could take the instant out of range.
    low, high = (datetime(1, 1, 2), datetime(9999, 12, 30)) if plain else (datetime.min,
                                                                          datetime.max)
    moment = draw(st.datetimes(min_value=low, max_value=high))
    offset = draw(st.just(0) | st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1))
    digits = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6] if plain else [0, 3, 6, 7, 9]))
    separator, comma, colon = "T", ".", ":"
    if not plain:
        separator = draw(st.sampled_from(["T", "T", "t", " "]))
        comma = draw(st.sampled_from([".", ".", ","]))
        colon = draw(st.sampled_from([":", ":", ""]))
    text = f"{moment.year:04d}-{moment:%m-%d}{separator}{moment:%H:%M:%S}"
    if digits:
        text += comma + f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
    hours, minutes = divmod(abs(offset), 60)
    zone = f"{'-' if offset < 0 else '+'}{hours:02d}{colon}{minutes:02d}"
    if offset == 0 and draw(st.booleans()):
        zone = "Z" if plain else draw(st.sampled_from(["Z", "z"]))
    return text + zone


@st.composite
def _money(draw: st.DrawFn, currency: str, *, signed: bool, plain: bool = False) -> Any:
    """An amount the model accepts: a decimal string (with extra zeros or not), or unless
    ``plain`` an integer or float JSON number, which the model reads if exact."""
    exponent = CURRENCY_EXPONENTS[currency]
    low = -(10**15) + 1 if signed else 1
    minor = draw(st.integers(min_value=low, max_value=10**15 - 1) | st.integers(low, 10**6))
    major = Decimal(minor).scaleb(-exponent)
    form = draw(st.sampled_from(["string", "zeros"] if plain else ["string", "zeros", "number"]))
    if form == "number":
        return int(major) if major == major.to_integral_value() and draw(st.booleans()) else (
            float(major))
    text = f"{major:f}"
    if form == "zeros":
        text += ("" if "." in text else ".") + "0" * draw(st.integers(1, 12))
    return text


@st.composite
def _transactions(draw: st.DrawFn, *, plain: bool = False) -> dict[str, Any]:
    """A transaction the model accepts, each optional field present or not. ``plain`` keeps to
    what the fast path claims: decimal-string amounts and RFC 3339 times."""
    currency = draw(st.sampled_from(sorted(CURRENCY_EXPONENTS)))
    item: dict[str, Any] = {
        "transaction_id": draw(_IDS), "occurred_at": draw(_instants(plain=plain)),
        "type": draw(st.sampled_from([member.value for member in TransactionType])),
        "amount": draw(_money(currency, signed=False, plain=plain)), "currency": currency,
        "customer_id": draw(_IDS), "account_id": draw(_IDS),
        "channel": draw(st.sampled_from([member.value for member in Channel])),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "auth_method": st.sampled_from([member.value for member in AuthMethod]),
        "payee_id": _IDS, "payee_name": _NAMES, "payee_country": _COUNTRIES,
        "merchant_id": _IDS, "merchant_category": _MCCS, "merchant_country": _COUNTRIES,
        "agent_id": _IDS, "device_id": _IDS, "ip": _IPS, "country": _COUNTRIES,
        "card_bin": _BINS, "balance_before": _money(currency, signed=True, plain=plain),
        "balance_after": _money(currency, signed=True, plain=plain),
        "credential_changed_at": _instants(plain=plain),
        "sim_swapped_at": _instants(plain=plain), "original_transaction_id": _IDS,
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            item[name] = draw(values)
        elif name != "auth_method" and draw(st.integers(0, 4)) == 0:
            item[name] = None  # an explicit null is an absent optional field
    if draw(st.booleans()):
        item["latitude"] = draw(st.floats(-90, 90) | st.integers(-90, 90))
        item["longitude"] = draw(st.floats(-180, 180) | st.integers(-180, 180))
    return item


_WILD = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(
        st.text(max_size=6), children, max_size=2),
    max_leaves=4,
)
_ODD_TEXTS = ["", " ", "a\n", "\u200b", "x\x00", "\ud7ff", 5, True, ["a"], {"a": 1}]
# Values each field may or may not take, one by one in a valid transaction: the model decides,
# the fast path must either agree or decline.
_ODD: dict[str, list[Any]] = {
    "transaction_id": [*_ODD_TEXTS, "a" * 160, "a" * 161, "é" * 160, "é" * 161, " a ", None],
    "customer_id": ["\t", "a" * 161, 1.5, None],
    "payee_id": ["", "b" * 161, "\x85"],
    "payee_name": [*_ODD_TEXTS, "n" * 140, "n" * 141, "x\x7f", "Tea House\u00a0Ltd"],
    "occurred_at": [
        "2026-04-13T10:30:00", "2026-04-13", "2026-04-13T10:30Z", "2026-04-13T10:30:60Z",
        "2026-04-13T24:00:00Z", "2026-02-29T10:30:00Z", "2024-02-29T10:30:00Z",
        "2026-04-13T10:30:00+24:00", "2026-04-13T10:30:00+05:75", "2026-04-13T10:30:00+23:59",
        "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "0001-01-01T00:00:00-00:01",
        "9999-12-31T23:59:59-00:01", "9999-12-31T23:59:59+00:01", "1712999400", 1712999400,
        "2026-04-13T10:30:00.Z", " 2026-04-13T10:30:00Z", "2026-04-13T10:30:00Z ",
        "\uff12026-04-13T10:30:00Z", "2026-04-13T10:30:00+08", "2026-04-13T10:30:00+0800",
        "2026-04-13T10:30:00.1234567Z", "2026-04-13T10:30:00,5Z", "2026-04-13t10:30:00z",
        "2026-04-13 10:30:00Z", "2026-04-13T10:30:00-00:00", "20260413T103000Z", None,
    ],
    "sim_swapped_at": ["2026-04-13T10:30:00", "2026-04-13T10:30:00.5+14:00", 0, ""],
    "amount": [
        "0", "-0", "0.00", "-1", "1.001", "1.0010", "1E+3", "1e3", "+1", " 1", "1 ", "1_000",
        ".5", "5.", "007.50", "\u0661\u0662", "\u00b2", "NaN", "Infinity", "-Infinity", "1" * 16,
        "9" * 13, "9" * 13 + ".99", "10000000000000", "0." + "0" * 50 + "1", "1." + "0" * 60,
        "", "-", "1.2.3", "0x10", 0, 1, -1, 12.5, 0.1 + 0.2, 1e300, 10**13, 10**20, True, None,
    ],
    "balance_before": ["-0", "-0.00", "-1.001", "-9999999999999.99", "-10000000000000", -5,
                       -0.0, "--5", "-.5"],
    "currency": ["cny", "XYZ", "", "CNY ", 156, None],
    "type": ["PAYMENT", "payment ", "Payment", 1, None],
    "channel": ["QR", "", None],
    "auth_method": ["PIN", "", "none ", None],
    "country": ["cn", "CHN", "C", "\uff23\uff2e", "C1", "CN\n", 86],
    "merchant_category": ["581", "58123", "\uff15812", "58a2", "5812\n", 5812],
    "card_bin": ["12345", "123456789", "\uff11" * 6, "12345a", 622848],
    "ip": ["01.2.3.4", "1.2.3", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.45x", "fe80::1%eth0",
           "::FFFF:1.2.3.4", "0:0:0:0:0:0:0:1", "\u0661.2.3.4", "1.2.3.04", "::ffff:0102:0304",
           "fe80::1%" + "x" * 40, "1.2.3.4\n", 16909060],
    "latitude": [90.5, -91, 90, -90.0, -0.0, 0, "22.5", True, False, None, [22.5], 1e308],
    "longitude": [180.5, -180, "114.0", False, None],
}
_ODD_PAIRS = [(field, value) for field, values in _ODD.items() for value in values]


@st.composite
def _borderline(draw: st.DrawFn) -> dict[str, Any]:
    """A valid transaction with one to three fields made odd: a value the model may or may not
    take, any JSON value at all, a field dropped, or an unknown field added."""
    item = draw(_transactions())
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(sorted(TransactionIn.model_fields)))
        change = draw(st.sampled_from(["odd", "odd", "wild", "drop", "unknown"]))
        if change == "odd" and field in _ODD:
            item[field] = draw(st.sampled_from(_ODD[field]))
        elif change == "wild":
            item[field] = draw(_WILD)
        elif change == "drop":
            item.pop(field, None)
        elif change == "unknown":
            item[draw(st.sampled_from(["pan", "Amount", "transactions", ""]))] = "x"
    return item


def _batch(items: list[dict[str, Any]]) -> bytes:
    return json_body({"transactions": items})


# --- the fast path takes the common bodies ---------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(item=_transactions(plain=True))
def test_every_plain_valid_transaction_takes_the_fast_path(item: dict[str, Any]) -> None:
    assert _assert_agrees(json_body(item)) == 2  # payload and transaction; a batch it is not


@settings(max_examples=50, deadline=None)
@given(items=st.lists(_transactions(plain=True), min_size=1, max_size=5))
def test_every_plain_valid_batch_takes_the_fast_path(items: list[dict[str, Any]]) -> None:
    assert _assert_agrees(_batch(items)) == 2  # payload and batch


def test_the_simulators_http_feed_takes_the_fast_path() -> None:
    config = SimulationConfig(customers=50, days=2, seed=1)
    simulated = [labelled.transaction for labelled in simulate(config)]
    live = list(itertools.islice(live_transactions(config), 300))  # as `simulate --to` sends

    for transaction in simulated + live:
        body = orjson.dumps(to_api_json(transaction))  # what sender.post_transactions posts
        fast = _json_fast.decode_payload(body)

        assert fast == [transaction]
        _assert_identical(fast, _by_model("payload", body))
    assert len(simulated) > 100


def test_the_benchmark_bodies_take_the_fast_path() -> None:
    path = Path(__file__).parents[3] / "benchmarks" / "formats_parse.py"
    spec = importlib.util.spec_from_file_location("formats_parse", path)
    assert spec is not None
    assert spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)

    transaction = _json_fast.decode_transaction(benchmark.JSON_ONE)
    batch = _json_fast.decode_batch(benchmark.JSON_BATCH)

    assert transaction is not None
    assert batch is not None
    _assert_identical([transaction], _by_model("transaction", benchmark.JSON_ONE))
    _assert_identical(batch, _by_model("batch", benchmark.JSON_BATCH))


def test_the_factorys_transaction_takes_the_fast_path() -> None:
    body = json_body(json_transaction())

    assert _assert_agrees(body) == 2


# --- and never accepts more than the model ---------------------------------------------------


@DIFFERENTIAL
@given(item=_transactions())
def test_any_valid_transaction_is_parsed_alike_or_left_to_the_model(
    item: dict[str, Any]
) -> None:
    _assert_agrees(json_body(item))


@DIFFERENTIAL
@given(item=_borderline())
def test_borderline_transactions_are_parsed_alike_or_left_to_the_model(
    item: dict[str, Any]
) -> None:
    _assert_agrees(json_body(item))


@pytest.mark.parametrize(("field", "value"), _ODD_PAIRS)
def test_each_odd_value_alone_is_parsed_alike_or_left_to_the_model(field: str, value: Any) -> None:
    item = json_transaction()
    item[field] = value

    _assert_agrees(json_body(item))


@DIFFERENTIAL
@given(item=_transactions(plain=True),
       change=st.sampled_from(sorted(_ODD)).flatmap(
           lambda field: st.tuples(st.just(field), st.sampled_from(_ODD[field]) | _WILD)))
def test_one_odd_field_in_any_valid_transaction_is_parsed_alike_or_left_to_the_model(
    item: dict[str, Any], change: tuple[str, Any]
) -> None:
    field, value = change
    item[field] = value

    _assert_agrees(json_body(item))


@pytest.mark.parametrize("currency", sorted(CURRENCY_EXPONENTS))
@pytest.mark.parametrize("minor", [1, 10**15 - 1, 10**15, -(10**15) + 1, -(10**15)])
@pytest.mark.parametrize("field", ["amount", "balance_after"])
def test_amounts_at_the_bounds_are_parsed_alike_or_left_to_the_model(
    currency: str, minor: int, field: str
) -> None:
    text = f"{Decimal(minor).scaleb(-CURRENCY_EXPONENTS[currency]):f}"
    item = json_transaction(currency=currency, amount="1", balance_before=None,
                            balance_after=None)
    item[field] = text

    accepted = _assert_agrees(json_body(item))

    assert accepted == (2 if 0 < minor < 10**15 or (field != "amount" and abs(minor) < 10**15)
                        else 0)


@DIFFERENTIAL
@given(items=st.lists(_transactions() | _borderline(), max_size=3),
       extra=st.sampled_from([{}, {"transaction_id": "tx-1"}, {"transactions": None}]))
def test_batches_are_parsed_alike_or_left_to_the_model(
    items: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    _assert_agrees(json_body({"transactions": items, **extra}))


@DIFFERENTIAL
@given(data=st.data(), items=st.lists(_transactions(plain=True), min_size=1, max_size=2))
def test_mutated_bytes_are_parsed_alike_or_left_to_the_model(
    data: st.DataObject, items: list[dict[str, Any]]
) -> None:
    seeds = [json_body(items[0]), _batch(items), orjson.dumps(items[0])]
    _assert_agrees(data.draw(mutated(seeds)))


@DIFFERENTIAL
@given(item=_transactions(plain=True), field=st.sampled_from(sorted(TransactionIn.model_fields)),
       value=_WILD)
def test_a_repeated_key_means_its_last_value_in_both_paths(
    item: dict[str, Any], field: str, value: Any
) -> None:
    first, last = json_body({field: value})[:-1], json_body(item)[1:]

    _assert_agrees(first + b", " + last)  # {"field": value, ...item}: item's value wins
    _assert_agrees(json_body(item)[:-1] + b", " + json_body({field: value})[1:])


@pytest.mark.parametrize("size", [0, 1, MAX_BATCH_SIZE, MAX_BATCH_SIZE + 1])
def test_batch_size_limits_are_the_models(size: int) -> None:
    accepted = _assert_agrees(_batch([json_transaction()] * size))

    assert accepted == (2 if 1 <= size <= MAX_BATCH_SIZE else 0)


def test_an_oversized_valid_body_is_still_refused() -> None:
    body = _batch([json_transaction()]) + b" " * MAX_JSON_BYTES

    assert _json_fast.decode_payload(body) is not None  # the size check is the caller's
    with pytest.raises(OversizedPayload):
        parse_json_payload(body)


# --- the pieces ----------------------------------------------------------------------------


@given(text=st.from_regex(r"-?[0-9]{1,18}(\.[0-9]{1,8})?", fullmatch=True)
       | st.decimals(allow_nan=False, allow_infinity=False).map(str) | st.sampled_from(
           [value for value in _ODD["amount"] if isinstance(value, str)]),
       currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)), signed=st.booleans())
def test_decimal_strings_become_the_minor_units_the_shared_check_gives(
    text: str, currency: str, signed: bool
) -> None:
    try:
        expected: int | None = _checks.minor_units("amount", Decimal(text), currency,
                                                   signed=signed)
    except (FormatError, ArithmeticError):
        expected = None
    try:
        ours: int | None = _json_fast._minor_units(
            text, currency, CURRENCY_EXPONENTS[currency], signed=signed)
    except _json_fast._Decline:
        ours = None

    if ours is not None:
        assert ours == expected
    plain = len(text) <= 40 and text.lstrip("-").replace(".", "", 1).isdigit() and (
        text.isascii() and "." not in (text[:1], text[-1:]) and not text.startswith("-."))
    if plain and (signed or not text.startswith("-")):
        assert ours == expected  # a plain decimal string is never left to the model


@given(text=_instants(plain=True))
def test_rfc3339_times_become_the_instant_the_model_gives(text: str) -> None:
    try:
        expected: datetime | None = _checks.utc_instant("at", datetime.fromisoformat(text))
    except (FormatError, ValueError):
        expected = None
    assume(expected is not None)

    assert _json_fast._instant(text) == expected
    assert _json_fast._instant(text).tzinfo is UTC


# The RFC 3339 subset the fast path takes, as a pattern: the reference for its shape check.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)


@st.composite
def _near_instants(draw: st.DrawFn) -> str:
    """An RFC 3339 time with one of its two-digit numbers (hours, minutes, seconds, the offset's
    hours and minutes) set to 00-99, and up to two characters replaced (other digits, other
    separators)."""
    text = draw(_instants(plain=True))
    numbers = [11, 14, 17] if text.endswith("Z") else [11, 14, 17, len(text) - 5, len(text) - 2]
    at = draw(st.sampled_from(numbers))
    text = f"{text[:at]}{draw(st.integers(0, 99)):02d}{text[at + 2:]}"
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text) - 1))
        replacement = draw(st.sampled_from("0123456789\u0661:-+.TZz "))
        text = text[:at] + replacement + text[at + 1:]
    return text


def _reference_instant(text: str) -> datetime | None:
    if _RFC3339.fullmatch(text) is None:
        return None
    try:
        return _checks.utc_instant("at", datetime.fromisoformat(text))
    except (FormatError, ValueError):
        return None


@settings(max_examples=500)
@given(text=_near_instants() | _instants() | st.text(st.sampled_from("0123456789:-+.TZz \u0661"),
                                                     max_size=32))
def test_times_are_taken_exactly_when_the_rfc3339_pattern_takes_them(text: str) -> None:
    expected = _reference_instant(text)
    try:
        ours: datetime | None = _json_fast._instant(text)
    except (_json_fast._Decline, ValueError, OverflowError):
        ours = None

    assert ours == expected
    assert ours is None or ours.tzinfo is UTC


@pytest.mark.parametrize("text", [
    "2026-04-13T23:59:59Z", "2026-04-13T24:00:00Z", "2026-04-13T10:60:00Z", "2026-04-13T10:30:60Z",
    "2026-04-13T10:30:00+23:59", "2026-04-13T10:30:00+24:00", "2026-04-13T10:30:00-05:60",
    "2026-04-13T10:30:00.123456Z", "2026-04-13T10:30:00.1234567Z", "2026-04-13T10:30:00.Z",
    "2026-04-13T10:30:00+05:75", "2026-04-13T1\u0660:30:00Z", "2026-04-13T10:30:00\ud800",
])
def test_times_at_the_bounds_are_taken_exactly_when_the_pattern_takes_them(text: str) -> None:
    try:
        ours: datetime | None = _json_fast._instant(text)
    except (_json_fast._Decline, ValueError):
        ours = None

    assert ours == _reference_instant(text)


def test_the_fast_path_knows_every_field_of_the_model() -> None:
    assert set(TransactionIn.model_fields) == _json_fast.FIELDS
