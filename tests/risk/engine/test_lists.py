from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from paytrust.risk.engine.lists import (
    ListError,
    NameScreen,
    load_high_risk_countries,
    load_lists,
    normalise_name,
)
from tests.risk.engine.factories import T0, make_txn

NOW = T0.timestamp()


def test_block_and_allow_entries_match_their_fields() -> None:
    lists = load_lists([
        {"kind": "account", "value": "a1"},
        {"kind": "device", "value": "d9", "action": "allow"},
        {"kind": "payee", "value": "m1"},
    ])
    features = lists.features(make_txn(device_id="d9", merchant_id="m1"), NOW)
    assert features["list.account_blocked"] is True
    assert features["list.device_allowed"] is True
    assert features["list.payee_blocked"] is True  # merchants are payees too
    assert features["list.device_blocked"] is False


def test_expired_entries_are_ignored() -> None:
    lists = load_lists([
        {"kind": "account", "value": "a1", "expires_at": T0 - timedelta(seconds=1)},
        {"kind": "device", "value": "d1", "expires_at": T0 + timedelta(days=1)},
    ])
    features = lists.features(make_txn(device_id="d1"), NOW)
    assert features["list.account_blocked"] is False
    assert features["list.device_blocked"] is True


def test_card_bins_match_by_prefix() -> None:
    lists = load_lists([{"kind": "bin", "value": "4111"}])
    assert lists.features(make_txn(card_bin="41111122"), NOW)["list.bin_blocked"] is True
    assert lists.features(make_txn(card_bin="41211122"), NOW)["list.bin_blocked"] is False


def test_ip_networks_match_addresses_inside_them() -> None:
    lists = load_lists([{"kind": "ip", "value": "203.0.113.0/24"},
                        {"kind": "ip", "value": "2001:db8::/32"}])
    assert lists.features(make_txn(ip="203.0.113.77"), NOW)["list.ip_blocked"] is True
    assert lists.features(make_txn(ip="2001:db8::1"), NOW)["list.ip_blocked"] is True
    assert lists.features(make_txn(ip="198.51.100.1"), NOW)["list.ip_blocked"] is False


def test_countries_match_payer_payee_or_merchant() -> None:
    lists = load_lists([{"kind": "country", "value": "kp"}], high_risk_countries=["IR"])
    features = lists.features(make_txn(country="CN", payee_country="KP"), NOW)
    assert features["list.country_blocked"] is True
    risky = lists.features(make_txn(country="CN", merchant_country="IR"), NOW)
    assert risky["list.payee_country_high_risk"] is True
    assert risky["list.country_high_risk"] is False


@pytest.mark.parametrize("row", [
    {"kind": "planet", "value": "x"},
    {"kind": "bin", "value": "41ab"},
    {"kind": "ip", "value": "not-an-ip"},
    {"kind": "account", "value": " "},
    {"kind": "account", "value": "a", "action": "maybe"},
    {"kind": "account", "value": "a", "expires_at": datetime(2030, 1, 1)},  # naive
])
def test_bad_rows_are_rejected_with_their_row_number(row: dict[str, object]) -> None:
    with pytest.raises(ListError, match="row 2"):
        load_lists([{"kind": "account", "value": "ok"}, row])


def test_shipped_high_risk_list_has_the_fatf_call_for_action_countries() -> None:
    assert {"KP", "IR", "MM"} <= load_high_risk_countries()


def test_high_risk_list_needs_a_source_note() -> None:
    with pytest.raises(ListError, match="source"):
        load_high_risk_countries("call_for_action: [{code: KP}]")


@pytest.mark.parametrize(("name", "listed"), [
    ("Muhammad Al Rashid", "Mohammed Al-Rashid"),
    ("RASHID, Mohamed", "Mohammed Al-Rashid"),
    ("Victor But", "Viktor Bout"),
    ("Kim Jong-un", "Kim Jong Un"),
    ("王小明", "王小明"),
])
def test_name_screen_catches_transliteration_variants(name: str, listed: str) -> None:
    screen = NameScreen(["Mohammed Al-Rashid", "Viktor Bout", "Kim Jong Un", "王小明"])
    match = screen.match(name)
    assert match.entry == listed
    assert match.score >= 0.85


@pytest.mark.parametrize("name", ["John Smith", "Alexander Cole", "李华", "Acme Trading Ltd"])
def test_name_screen_scores_unrelated_names_low(name: str) -> None:
    screen = NameScreen(["Mohammed Al-Rashid", "Viktor Bout", "Kim Jong Un", "王小明"])
    assert screen.match(name).score < 0.5


def test_normalised_names_ignore_case_accents_order_and_particles() -> None:
    assert normalise_name("Dr. José  VON Müller") == normalise_name("muller jose")


def test_payee_name_match_is_exposed_as_a_list_feature() -> None:
    lists = load_lists([{"kind": "name", "value": "Viktor Bout"}])
    assert lists.features(make_txn(payee_name="Victor Bout"), NOW)["list.payee_name_match"] == 1.0
    assert lists.features(make_txn(), NOW)["list.payee_name_match"] == 0.0


def test_a_snapshot_is_immutable() -> None:
    lists = load_lists([{"kind": "account", "value": "a1"}])
    with pytest.raises(AttributeError):
        lists.version = "v2"  # type: ignore[misc]
