"""Balances: every account's running balance through a day, kept non-negative.

Each transaction debits or credits its own account; a P2P transfer also credits the payee's
account. Entries are sorted per account by time and summed. A legitimate debit the account
cannot cover is dropped (the payment system would have declined it); a scenario's debit is cut
to what is there. A draining debit (``_drain_share``) takes that share of the balance it finds.
Dropping or cutting a debit only raises later balances, so a few passes settle it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from paytrust.simulator.rows import Rows

CREDIT_TYPES = ("cash_in", "refund")
Ints = npt.NDArray[np.int64]


def _running(
    rows: Rows, opening: Ints
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(balance after each row on its own account, entries' accounts, entries' deltas)."""
    sign = np.where(np.isin(rows["type"], CREDIT_TYPES), 1, -1)
    payee = rows["_payee_cust"]
    credited = np.flatnonzero(payee >= 0)
    account = np.concatenate([rows["_cust"], payee[credited]])
    delta = np.concatenate([sign * rows["amount_minor"], rows["_credit_minor"][credited]])
    at = np.concatenate([rows["_time"], rows["_time"][credited] + 1e-3])
    row_of = np.concatenate([np.arange(rows.n), -1 - credited])
    order = np.lexsort((at, account))
    sorted_account, sorted_delta = account[order], delta[order]
    running = np.cumsum(sorted_delta)
    starts = np.flatnonzero(np.r_[True, sorted_account[1:] != sorted_account[:-1]])
    before_group = np.repeat(
        running[starts] - sorted_delta[starts], np.diff(np.r_[starts, len(order)])
    )
    after = opening[sorted_account] + running - before_group
    own = row_of[order] >= 0
    after_of_row = np.empty(rows.n, dtype=np.int64)
    after_of_row[row_of[order][own]] = after[own]
    return after_of_row, account, delta


def _size_drains(rows: Rows, after: Ints) -> bool:
    """Set each draining debit to its share of the balance it meets; True if any changed."""
    draining = np.flatnonzero(rows["_drain_share"] > 0)
    if not len(draining):
        return False
    amount = rows["amount_minor"][draining]
    before = after[draining] + amount
    wanted = np.maximum(1, np.round(before * rows["_drain_share"][draining])).astype(np.int64)
    changed = wanted != amount
    if not changed.any():
        return False
    rows.columns["_credit_minor"][draining] = np.round(
        rows["_credit_minor"][draining] * wanted / amount
    ).astype(np.int64)
    rows.columns["amount_minor"][draining] = wanted
    return True


def settle(rows: Rows, opening: Ints) -> tuple[Rows, Ints]:
    """Rows that fit the balances, with balance_before/after, and the closing balances."""
    for _ in range(12):
        after, account, delta = _running(rows, opening)
        if _size_drains(rows, after):
            continue
        overdrawn = after < 0
        if not overdrawn.any():
            break
        protected = rows["is_fraud"] & overdrawn
        before = after - np.where(np.isin(rows["type"], CREDIT_TYPES), 1, -1) * rows["amount_minor"]
        cut = np.flatnonzero(protected & (before > 0))
        kept_share = before[cut] / rows["amount_minor"][cut]
        rows.columns["amount_minor"][cut] = before[cut]
        rows.columns["_credit_minor"][cut] = np.round(
            rows["_credit_minor"][cut] * kept_share
        ).astype(np.int64)
        dropped = overdrawn.copy()
        dropped[cut] = False
        rows = rows.take(np.flatnonzero(~dropped))
    else:  # pragma: no cover - eight passes always settle in practice
        raise RuntimeError("balances did not settle")
    signed = np.where(np.isin(rows["type"], CREDIT_TYPES), 1, -1) * rows["amount_minor"]
    rows.columns["balance_after_minor"] = after
    rows.columns["balance_before_minor"] = after - signed
    closing = opening + np.bincount(account, weights=delta, minlength=len(opening)).astype(np.int64)
    return rows, closing
