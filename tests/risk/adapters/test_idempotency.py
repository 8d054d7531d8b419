"""The idempotency cache's payload hashes, including those recorded by earlier versions."""

from __future__ import annotations

import gc
import hashlib
from dataclasses import replace

import pytest

from paytrust.platform.errors import Conflict
from paytrust.risk.adapters.idempotency import RecentDecisions, payload_hash

from ..engine.factories import make_txn

pytestmark = pytest.mark.anyio


def _hash_before_version_2(txn: object) -> str:
    return hashlib.blake2b(repr(txn).encode(), digest_size=16).hexdigest()


def test_the_hash_follows_every_field() -> None:
    txn = make_txn(latitude=31.2, longitude=121.5, device_id="d-1")
    assert payload_hash(txn) == payload_hash(replace(txn))
    for changed in (replace(txn, amount_minor=txn.amount_minor + 1),
                    replace(txn, device_id="d-2"), replace(txn, device_id=None),
                    replace(txn, latitude=31.2000001)):
        assert payload_hash(changed) != payload_hash(txn)


async def test_a_hash_recorded_by_an_earlier_version_still_recognises_its_payload() -> None:
    txn = make_txn()
    recent = RecentDecisions()
    recent.warm([(_hash_before_version_2(txn), {"transaction_id": txn.transaction_id})])

    claim = recent.claim(txn)

    assert not claim.is_new
    assert (await claim.answer)["transaction_id"] == txn.transaction_id
    changed = replace(txn, amount_minor=txn.amount_minor + 1)
    with pytest.raises(Conflict):
        recent.claim(changed)


async def test_a_claim_is_answered_even_after_the_cache_has_forgotten_its_id() -> None:
    recent = RecentDecisions(capacity=1)
    first, second = make_txn(), make_txn()
    claim = recent.claim(first)
    recent.claim(second)  # pushes the first id out of the cache
    assert first.transaction_id not in recent

    recent.settle(claim, {"transaction_id": first.transaction_id})

    assert (await claim.answer)["transaction_id"] == first.transaction_id


async def test_a_settled_answer_is_served_to_retries_and_kept_out_of_the_collectors_sight(
) -> None:
    recent = RecentDecisions()
    txn = make_txn()
    claim = recent.claim(txn)
    answer = {"transaction_id": txn.transaction_id, "decision": "review",
              "reasons": [{"code": "rule:r1", "message": "新设备", "contribution": 0.5}]}
    recent.settle(claim, answer)

    retry = recent.claim(txn)

    assert not retry.is_new
    assert await retry.answer == answer
    gc.collect()
    # A tracked entry per answer made each full collection walk the whole cache.
    assert not gc.is_tracked(recent._entries[txn.transaction_id])


@pytest.mark.parametrize("settled", [False, True], ids=["being scored", "answered"])
async def test_another_payload_under_an_id_this_process_claimed_is_a_conflict(
    settled: bool,
) -> None:
    recent = RecentDecisions()
    txn = make_txn(device_id="d-1")
    claim = recent.claim(txn)
    if settled:
        recent.settle(claim, {"transaction_id": txn.transaction_id})
    for changed in (replace(txn, amount_minor=txn.amount_minor + 1),
                    replace(txn, device_id="d-2"), replace(txn, device_id=None)):
        with pytest.raises(Conflict):
            recent.claim(changed)
    assert not recent.claim(replace(txn)).is_new
