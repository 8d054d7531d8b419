"""The transaction record: built from checked values as from keywords, and immutable."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from paytrust.risk.engine.transaction import AuthMethod, Transaction, transaction_of

from .factories import make_txn


def _every_field_set() -> Transaction:
    return make_txn(
        auth_method=AuthMethod.BIOMETRIC, payee_id="acc-9", payee_name="陳大文",
        payee_country="HK", merchant_id="m-1", merchant_category="5411", merchant_country="MO",
        agent_id="ag-1", device_id="dev-1", ip="2001:db8::7", country="CN", latitude=22.5,
        longitude=114.1, card_bin="412345", balance_before_minor=10, balance_after_minor=0,
        credential_changed_at=datetime(2024, 4, 30, tzinfo=UTC),
        sim_swapped_at=datetime(2024, 4, 29, tzinfo=UTC), original_transaction_id="t-0",
    )


@pytest.mark.parametrize("txn", [make_txn(), _every_field_set()], ids=["defaults", "every field"])
def test_a_transaction_of_its_field_values_equals_the_one_built_by_keyword(
    txn: Transaction,
) -> None:
    values = [getattr(txn, field.name) for field in dataclasses.fields(Transaction)]
    built = transaction_of(values)
    assert built == txn
    assert repr(built) == repr(txn)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.amount_minor = 1  # type: ignore[misc]


def test_a_transaction_of_too_few_values_is_refused() -> None:
    values = [getattr(make_txn(), field.name) for field in dataclasses.fields(Transaction)]
    with pytest.raises(ValueError, match=f"has {len(values)} fields, not {len(values) - 1}"):
        transaction_of(values[:-1])
