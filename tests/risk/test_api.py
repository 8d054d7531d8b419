"""The risk REST API: scoring in every format, idempotency, bad input, rules and lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import iso8583
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paytrust.platform.db import Database
from paytrust.platform.i18n.chinese import to_traditional
from paytrust.risk.adapters.state_store import StateStoreUnavailable
from paytrust.risk.formats.iso8583 import SPEC_1987_ASCII
from paytrust.risk.models import RiskAlert, RiskDecision, RiskTransaction
from paytrust.risk.permissions import (
    ALERTS_READ,
    LISTS_EDIT,
    OUTCOMES_WRITE,
    RULES_EDIT,
    RULES_READ,
    TRANSACTIONS_READ,
    TRANSACTIONS_SCORE,
)

from .factories import json_transaction

FIXTURES = Path(__file__).parent / "fixtures"
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def scoring(auth: Auth) -> dict[str, str]:
    return auth(TRANSACTIONS_SCORE)


def _recorded(client: TestClient, database: Database, model: Any = RiskTransaction) -> int:
    client.portal.call(client.app.state.risk.recorder.drain)  # type: ignore[attr-defined]
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _post_json(client: TestClient, headers: dict[str, str], body: Any,
               path: str = "/api/v1/transactions", **extra: str) -> Any:
    return client.post(path, content=json.dumps(body),
                       headers={**headers, "content-type": "application/json", **extra})


# --- scoring ---------------------------------------------------------------------------

def test_json_transaction_is_scored_and_recorded(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    response = _post_json(client, scoring, json_transaction())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"transaction_id", "decision", "score", "reasons", "rules_hit",
                           "model_version", "ruleset_version", "latency_ms"}
    assert answer["transaction_id"] == "tx-1"
    assert answer["decision"] in {"approve", "challenge", "review", "block"}
    assert 0 <= answer["score"] <= 1
    assert answer["ruleset_version"] == "default-pack"
    assert _recorded(client, database) == 1
    with database.read_session() as session:
        stored = session.get(RiskTransaction, "tx-1")
        assert stored is not None
        assert stored.amount_minor == 12_850


def test_iso20022_message_with_two_transfers_answers_two_decisions(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    body = (FIXTURES / "pacs008_two_transfers.xml").read_bytes()
    response = client.post("/api/v1/transactions", content=body,
                           headers={**scoring, "content-type": "application/xml"})
    assert response.status_code == 200, response.text
    decisions = response.json()["decisions"]
    assert [d["transaction_id"] for d in decisions] == [
        "7f3c2a10-0000-4000-8000-000000000001", "7f3c2a10-0000-4000-8000-000000000002"]
    assert _recorded(client, database) == 2


def test_iso8583_authorisation_is_scored(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    fields = {
        "t": "0100", "2": "6228480012345678901", "3": "000000", "4": "000000012500",
        "7": "0413101500", "11": "123456", "12": "181500", "13": "0413", "18": "5812",
        "22": "071", "37": "610312345678", "41": "TERM0001", "42": "MERCHANT000042 ",
        "43": "GOLDEN DRAGON TEA HOUSE  SHENZHEN     CN", "49": "156",
    }
    raw, _ = iso8583.encode(fields, SPEC_1987_ASCII)
    response = client.post("/api/v1/transactions", content=bytes(raw),
                           headers={**scoring, "content-type": "application/iso8583"})
    assert response.status_code == 200, response.text
    assert response.json()["decision"] in {"approve", "challenge", "review", "block"}
    assert _recorded(client, database) == 1


def test_batch_answers_in_order_and_records_each_once(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    body = {"transactions": [json_transaction(transaction_id=f"b{i}") for i in range(5)]}
    response = _post_json(client, scoring, body, "/api/v1/transactions:batch")
    assert response.status_code == 200, response.text
    assert [d["transaction_id"] for d in response.json()["decisions"]] == [
        f"b{i}" for i in range(5)]
    assert _recorded(client, database) == 5


def test_reasons_follow_accept_language(
    client: TestClient, database: Database, scoring: dict[str, str], auth: Auth,
) -> None:
    _post_json(client, auth(LISTS_EDIT), {"kind": "device", "action": "block",
                                          "value": "dev-bad"}, "/api/v1/lists")
    english = _post_json(client, scoring, json_transaction(transaction_id="en",
                                                            device_id="dev-bad"))
    chinese = _post_json(client, scoring, json_transaction(transaction_id="zh",
                                                            device_id="dev-bad"),
                         **{"accept-language": "zh-Hans-CN, en;q=0.5"})
    assert english.headers["content-language"] == "en"
    assert chinese.headers["content-language"] == "zh-Hans"
    english_text = " ".join(r["message"] for r in english.json()["reasons"])
    chinese_text = " ".join(r["message"] for r in chinese.json()["reasons"])
    assert english_text.isascii()
    assert not chinese_text.isascii()


def test_traditional_chinese_callers_get_reasons_converted_from_simplified(
    client: TestClient, scoring: dict[str, str], auth: Auth,
) -> None:
    _post_json(client, auth(LISTS_EDIT), {"kind": "device", "action": "block",
                                          "value": "dev-bad"}, "/api/v1/lists")
    simplified = _post_json(client, scoring, json_transaction(transaction_id="hans",
                                                               device_id="dev-bad"),
                            **{"accept-language": "zh-CN"})
    traditional = _post_json(client, scoring, json_transaction(transaction_id="hant",
                                                                device_id="dev-bad"),
                             **{"accept-language": "zh-TW, en;q=0.5"})
    assert traditional.headers["content-language"] == "zh-Hant"
    hans = [r["message"] for r in simplified.json()["reasons"]]
    hant = [r["message"] for r in traditional.json()["reasons"]]
    assert hant == [to_traditional(message) for message in hans]
    assert hant != hans  # the block reason has characters that differ in Traditional


# --- idempotency -----------------------------------------------------------------------

def test_same_transaction_twice_returns_the_first_answer_and_one_row(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    first = _post_json(client, scoring, json_transaction())
    again = _post_json(client, scoring, json_transaction())
    assert again.status_code == 200
    assert again.json() == first.json()
    assert _recorded(client, database) == 1
    assert _recorded(client, database, RiskDecision) == 1


def test_same_id_with_a_different_payload_is_a_conflict(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    _post_json(client, scoring, json_transaction())
    response = _post_json(client, scoring, json_transaction(amount="999.00"))
    assert response.status_code == 409
    assert response.json()["field"] == "transaction_id"
    assert _recorded(client, database) == 1


class _StoreDown:
    """A shared state store whose server does not answer."""

    async def score_with(self, txns: Any, config: Any, score: Any) -> Any:
        raise StateStoreUnavailable("connection refused")

    async def close(self) -> None:
        pass


def test_a_state_store_outage_is_503_with_retry_after_and_the_retry_is_scored(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    scorer = client.app.state.risk.scorer  # type: ignore[attr-defined]
    working, scorer.store = scorer.store, _StoreDown()
    response = _post_json(client, scoring, json_transaction())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == "/problems/unavailable"
    assert _recorded(client, database) == 0
    scorer.store = working
    retried = _post_json(client, scoring, json_transaction())
    assert retried.status_code == 200, retried.text
    assert _recorded(client, database) == 1


def test_repeated_id_inside_one_batch_is_rejected_naming_the_index(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    body = {"transactions": [json_transaction(transaction_id="x"),
                             json_transaction(transaction_id="y"),
                             json_transaction(transaction_id="x")]}
    response = _post_json(client, scoring, body, "/api/v1/transactions:batch")
    assert response.status_code == 400
    assert response.json()["field"] == "transactions[2].transaction_id"
    assert _recorded(client, database) == 0


# --- bad input: a clear 4xx naming the field, nothing recorded ----------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"colour": "red"}, "colour"),
    ({"amount": "1e30"}, "amount"),
    ({"currency": "XYZ"}, "currency"),
    ({"occurred_at": "2026-04-13T10:30:00"}, "occurred_at"),
    ({"customer_id": None}, "customer_id"),
])
def test_bad_transaction_is_rejected_naming_the_field(
    client: TestClient, database: Database, scoring: dict[str, str],
    change: dict[str, Any], field: str,
) -> None:
    response = _post_json(client, scoring, json_transaction(**change))
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["field"]
    assert _recorded(client, database) == 0


def test_malformed_json_and_unknown_media_type_are_4xx(
    client: TestClient, database: Database, scoring: dict[str, str],
) -> None:
    malformed = client.post("/api/v1/transactions", content=b"{not json",
                            headers={**scoring, "content-type": "application/json"})
    unknown = client.post("/api/v1/transactions", content=b"a,b",
                          headers={**scoring, "content-type": "text/csv"})
    assert malformed.status_code == 400
    assert unknown.status_code == 415
    assert _recorded(client, database) == 0


def test_oversized_body_is_413(client: TestClient, scoring: dict[str, str]) -> None:
    response = client.post("/api/v1/transactions", content=b" " * (8 * 1024 * 1024 + 1),
                           headers={**scoring, "content-type": "application/json"})
    assert response.status_code == 413


def test_scoring_needs_an_api_key_with_the_scoring_permission(
    client: TestClient, auth: Auth,
) -> None:
    anonymous = _post_json(client, {}, json_transaction())
    reader = _post_json(client, auth(TRANSACTIONS_READ), json_transaction())
    assert (anonymous.status_code, reader.status_code) == (401, 403)


# --- hot reload, alerts, outcomes, lookups ------------------------------------------------

def test_new_block_list_entry_changes_the_next_decision_without_restart(
    client: TestClient, scoring: dict[str, str], auth: Auth,
) -> None:
    before = _post_json(client, scoring, json_transaction(transaction_id="t1", ip="198.51.100.9"))
    assert before.json()["decision"] != "block"
    added = _post_json(client, auth(LISTS_EDIT), {"kind": "ip", "action": "block",
                                                   "value": "198.51.100.0/24"}, "/api/v1/lists")
    assert added.status_code == 201, added.text
    after = _post_json(client, scoring, json_transaction(transaction_id="t2", ip="198.51.100.9"))
    assert after.json()["decision"] == "block"
    removed = client.delete(f"/api/v1/lists/{added.json()['id']}", headers=auth(LISTS_EDIT))
    assert removed.status_code == 204
    again = _post_json(client, scoring, json_transaction(transaction_id="t3", ip="198.51.100.9"))
    assert again.json()["decision"] != "block"


def test_activated_rule_set_is_used_by_the_next_decision(
    client: TestClient, scoring: dict[str, str], auth: Auth,
) -> None:
    rules = ("ruleset: default\nrules:\n  - id: any_cny\n"
             "    description: {en: \"Any CNY payment\", zh: \"人民币交易\"}\n"
             "    when: txn.currency == \"CNY\"\n    action: review\n    severity: medium\n")
    saved = _post_json(client, auth(RULES_EDIT), {"yaml": rules, "activate": True},
                       "/api/v1/rulesets/default/versions")
    assert saved.status_code == 201, saved.text
    answer = _post_json(client, scoring, json_transaction(transaction_id="r1")).json()
    assert answer["rules_hit"] == ["any_cny"]
    assert answer["ruleset_version"] == "default@1"
    assert answer["decision"] == "review"


def test_review_creates_an_alert_and_outcome_is_reported_once(
    client: TestClient, database: Database, scoring: dict[str, str], auth: Auth,
) -> None:
    _post_json(client, auth(LISTS_EDIT), {"kind": "account", "action": "block",
                                          "value": "acc-9"}, "/api/v1/lists")
    _post_json(client, scoring, json_transaction(transaction_id="f1", account_id="acc-9"))
    assert _recorded(client, database, RiskAlert) == 1
    alerts = client.get("/api/v1/alerts?status=open", headers=auth(ALERTS_READ)).json()
    assert [a["transaction_id"] for a in alerts["items"]] == ["f1"]
    writer = auth(OUTCOMES_WRITE)
    first = _post_json(client, writer, {"label": "confirmed_fraud"},
                       "/api/v1/transactions/f1/outcome")
    again = _post_json(client, writer, {"label": "confirmed_fraud"},
                       "/api/v1/transactions/f1/outcome")
    assert (first.status_code, again.status_code) == (201, 200)
    detail = client.get("/api/v1/transactions/f1", headers=auth(TRANSACTIONS_READ)).json()
    assert detail["decision"]["decision"] == "block"
    assert [o["label"] for o in detail["outcomes"]] == ["confirmed_fraud"]
    missing = _post_json(client, writer, {"label": "legitimate"},
                         "/api/v1/transactions/nope/outcome")
    assert missing.status_code == 404


def test_rule_set_validate_save_diff_and_rollback_over_http(
    client: TestClient, auth: Auth,
) -> None:
    editor, reader = auth(RULES_EDIT), auth(RULES_READ)
    v1 = ("ruleset: default\nrules:\n  - id: big\n    description: {en: Big}\n"
          "    when: txn.amount > 1000\n    score: 0.4\n    severity: low\n")
    v2 = v1.replace("1000", "500")
    invalid = _post_json(client, reader, {"yaml": v1.replace("> 1000", "> >")},
                         "/api/v1/rulesets:validate").json()
    assert not invalid["valid"]
    assert invalid["errors"][0]["line"] == 5
    for text in (v1, v2):
        saved = _post_json(client, editor, {"yaml": text, "activate": True},
                           "/api/v1/rulesets/default/versions")
        assert saved.status_code == 201, saved.text
    diff = client.get("/api/v1/rulesets/default/diff?from=1&to=2", headers=reader).json()
    assert diff["changed"] == ["big"]
    rolled = _post_json(client, editor, {"version": 1}, "/api/v1/rulesets/default/rollback")
    assert rolled.json()["is_active"] is True
    versions = client.get("/api/v1/rulesets/default/versions", headers=reader).json()
    assert [(v["version"], v["is_active"]) for v in versions] == [(2, False), (1, True)]
    rejected = _post_json(client, editor, {"yaml": "ruleset: default\nrules: 3\n"},
                          "/api/v1/rulesets/default/versions")
    assert rejected.status_code == 400
    assert rejected.json()["errors"]


def test_list_import_is_all_or_nothing(client: TestClient, auth: Auth) -> None:
    editor = auth(LISTS_EDIT)
    bad = "kind,action,value\ndevice,block,d1\nip,block,not-an-ip\n"
    response = client.post("/api/v1/lists:import?format=csv", content=bad,
                           headers={**editor, "content-type": "text/csv"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 2, "field": "value",
                                          "message": "value: not an IP address or network"}]
    listed = client.get("/api/v1/lists", headers=auth("risk.lists.read")).json()
    assert listed["total"] == 0
    good = client.post("/api/v1/lists:import?format=csv", content=bad.replace("not-an-ip",
                                                                                "10.0.0.1"),
                       headers={**editor, "content-type": "text/csv"})
    assert good.json() == {"imported": 2, "already_present": 0}


# --- console pages ------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "permission", "expected"), [
    ("/console/risk/rules", RULES_READ, "velocity_burst_1m"),
    ("/console/risk/lists", "risk.lists.read", "0 entries in force"),
    ("/console/risk/decisions", TRANSACTIONS_READ, "tx-1"),
    ("/console/risk/alerts", ALERTS_READ, "alerts match"),
])
def test_console_pages_render_for_their_permission_only(
    client: TestClient, database: Database, scoring: dict[str, str], auth: Auth,
    path: str, permission: str, expected: str,
) -> None:
    _post_json(client, scoring, json_transaction())
    _recorded(client, database)
    page = client.get(path, headers=auth(permission))
    assert page.status_code == 200, page.text
    assert expected in page.text
    assert client.get(path, headers=auth("risk.models.read")).status_code == 403
