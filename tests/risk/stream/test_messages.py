"""The pure half of the stream worker: message → transactions → settlement, without NATS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.adapters.idempotency import Answer
from paytrust.risk.stream import Delivery, Rejection, Settle, StreamTopology
from paytrust.risk.stream.messages import (
    distinct_transactions,
    parse_delivery,
    settle_batch,
    settle_for_retry,
)

from .factories import json_body, json_delivery

NOW = datetime(2026, 4, 13, tzinfo=UTC)
KEY = b"k" * 32
TOPOLOGY = StreamTopology("ns")


def parsed(*deliveries: Delivery) -> list[Any]:
    return [parse_delivery(d, now=NOW, card_token_key=KEY) for d in deliveries]


def answer(transaction_id: str, decision: str = "approve") -> Answer:
    return {"transaction_id": transaction_id, "decision": decision, "score": 0.1,
            "reasons": []}


def test_default_topology_names_the_production_stream_subjects_and_consumer() -> None:
    topology = StreamTopology()
    assert (topology.stream, topology.subject, topology.consumer) == (
        "PAYTRUST_TRANSACTIONS", "paytrust.transactions", "paytrust-scorer")
    assert topology.decision_subject("block") == "paytrust.decisions.block"
    assert topology.rejected_subject == "paytrust.rejected"


def test_content_type_header_is_read_case_insensitively_and_defaults_to_json() -> None:
    xml = Delivery.from_headers(b"<x/>", {"content-type": "application/xml"},
                                stream_sequence=4, num_delivered=2)
    assert (xml.content_type, xml.stream_sequence, xml.num_delivered) == ("application/xml", 4, 2)
    assert Delivery.from_headers(b"{}", None, stream_sequence=1,
                                 num_delivered=1).content_type == "application/json"
    assert Delivery.from_headers(b"{}", {"NATS-MSG-ID": "m1"}, stream_sequence=1,
                                 num_delivered=1).message_id == "m1"


def test_malformed_message_becomes_a_rejection_naming_the_field() -> None:
    [rejection] = parsed(json_delivery("t1", amount="-3"))
    assert isinstance(rejection, Rejection)
    assert rejection.field == "amount"
    assert rejection.code == "invalid-transaction"


def test_unsupported_content_type_is_rejected_on_the_content_type() -> None:
    [rejection] = parsed(Delivery(json_body("t1"), "text/csv"))
    assert isinstance(rejection, Rejection)
    assert (rejection.code, rejection.field) == ("unsupported-media-type", "content-type")


def test_a_json_batch_message_carries_each_of_its_transactions() -> None:
    body = orjson.dumps({"transactions": [orjson.loads(json_body(t)) for t in ("a", "b")]})
    [txns] = parsed(Delivery(body))
    assert [txn.transaction_id for txn in txns] == ["a", "b"]


def test_each_transaction_id_is_scored_once_in_first_seen_order() -> None:
    messages = parsed(json_delivery("b"), json_delivery("a"), json_delivery("b"),
                      json_delivery("bad", amount="x"))
    assert [txn.transaction_id for txn in distinct_transactions(messages)] == ["b", "a"]


def test_answered_messages_are_acked_with_their_decision_published_by_decision() -> None:
    deliveries = [json_delivery("a"), json_delivery("b")]
    messages = parsed(*deliveries)
    outcomes = {"a": answer("a", "block"), "b": answer("b")}
    settlements = settle_batch(TOPOLOGY, deliveries, messages,
                               distinct_transactions(messages), outcomes)
    assert [s.settle for s in settlements] == [Settle.ACK, Settle.ACK]
    [published] = settlements[0].publications
    assert published.subject == "ns.decisions.block"
    assert orjson.loads(published.payload) == outcomes["a"]
    assert published.msg_id == "decision:a"


def test_malformed_message_is_termed_with_a_problem_on_the_rejected_subject() -> None:
    deliveries = [json_delivery("a", currency="XXX")]
    messages = parsed(*deliveries)
    [settlement] = settle_batch(TOPOLOGY, deliveries, messages, [], {})
    assert settlement.settle is Settle.TERM
    [published] = settlement.publications
    problem = orjson.loads(published.payload)
    assert published.subject == "ns.rejected"
    assert problem["field"] == "currency"
    assert problem["stream_sequence"] == deliveries[0].stream_sequence
    assert problem["message_id"] == "a"


def test_a_repeated_id_with_the_same_payload_gets_the_first_answer() -> None:
    deliveries = [json_delivery("a"), json_delivery("a")]
    messages = parsed(*deliveries)
    settlements = settle_batch(TOPOLOGY, deliveries, messages, distinct_transactions(messages),
                               {"a": answer("a", "review")})
    assert [s.answers for s in settlements] == [(answer("a", "review"),)] * 2


def test_a_repeated_id_with_another_payload_is_refused_as_a_conflict() -> None:
    deliveries = [json_delivery("a"), json_delivery("a", amount="9.99")]
    messages = parsed(*deliveries)
    first, second = settle_batch(TOPOLOGY, deliveries, messages,
                                 distinct_transactions(messages), {"a": answer("a")})
    assert first.settle is Settle.ACK
    assert second.settle is Settle.TERM
    problem = orjson.loads(second.publications[0].payload)
    assert (problem["type"], problem["transaction_id"]) == ("/problems/conflict", "a")


def test_rejection_keeps_its_message_id_across_redeliveries() -> None:
    rejection = Rejection("invalid-transaction", "amount: bad", "amount")
    delivery = json_delivery("a")
    again = Delivery(delivery.body, stream_sequence=delivery.stream_sequence, num_delivered=3)
    assert (rejection.publication(TOPOLOGY, delivery).msg_id
            == rejection.publication(TOPOLOGY, again).msg_id)


def test_failed_scoring_retries_the_messages_but_rejects_them_on_their_last_delivery() -> None:
    deliveries = [json_delivery("a"), json_delivery("b", num_delivered=5),
                  json_delivery("c", amount="x")]
    settlements = settle_for_retry(TOPOLOGY, deliveries, parsed(*deliveries), max_deliver=5,
                                   reason="redis down")
    assert [s.settle for s in settlements] == [Settle.NAK, Settle.TERM, Settle.TERM]
    assert settlements[0].publications == ()
    gave_up = orjson.loads(settlements[1].publications[0].payload)
    assert gave_up["type"] == "/problems/scoring-failed"
    assert "redis down" in gave_up["detail"]


@given(st.lists(st.lists(st.sampled_from("abcde"), min_size=1, max_size=4), max_size=12))
def test_every_message_is_settled_once_and_every_transaction_in_it_answered(
    ids_per_message: list[list[str]],
) -> None:
    deliveries = [
        Delivery(orjson.dumps({"transactions": [orjson.loads(json_body(t)) for t in ids]}))
        for ids in ids_per_message
    ]
    messages = parsed(*deliveries)
    scored = distinct_transactions(messages)
    assert len(scored) == len({t for ids in ids_per_message for t in ids})
    outcomes = {txn.transaction_id: answer(txn.transaction_id) for txn in scored}
    settlements = settle_batch(TOPOLOGY, deliveries, messages, scored, outcomes)
    assert len(settlements) == len(deliveries)
    for ids, settlement in zip(ids_per_message, settlements, strict=True):
        assert settlement.settle is Settle.ACK
        assert [a["transaction_id"] for a in settlement.answers] == ids


def test_a_namespace_with_wildcards_or_spaces_is_refused() -> None:
    for bad in ("pay.>", "pay *", "pay..x", ""):
        with pytest.raises(ValueError, match="namespace"):
            StreamTopology(bad)
    assert StreamTopology("staging.eu-1").stream == "STAGING_EU-1_TRANSACTIONS"
