"""How long forgetting idle entities holds the event loop: the in-memory store's periodic
eviction (every 10 minutes in a serving process) over a large table, swept in one call
against swept in slices with the loop free to score between them.

Every request in flight waits while the loop is held, so the longest hold is what a long
run's p99.9 sees. The table is the IP table (the kind with the most entities: nearly every
payment of a fresh stream brings a new address) filled with ``--entities`` addresses, one in
``--idle-every`` last seen past the state horizon.

    PYTHONPATH=src python benchmarks/eviction_pause.py [--entities 1000000] [--idle-every 10]
"""

from __future__ import annotations

import argparse
import asyncio
from time import perf_counter

from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.engine.features import kernel
from paytrust.risk.engine.features.tables import EVICTION_SLICE_ROWS

RECENT_AT, IDLE_AT = 1_000.0, 1.0  # last seen (seconds): IDLE_AT falls outside the horizon
NOW = 100.0 + kernel.STATE_HORIZON_S
LAST_AT = kernel.SCALARS.index("last_at")


def _store(entities: int, idle_every: int) -> MemoryStateStore:
    store = MemoryStateStore()
    ips = store.tables.ip
    for index in range(entities):
        ips.slot(f"10.{index >> 16}.{(index >> 8) & 255}.{index & 255}")
    last_at = ips.arrays[1][:entities, LAST_AT]
    last_at[:] = RECENT_AT
    last_at[::idle_every] = IDLE_AT
    return store


async def _longest_hold(evict: asyncio.Task[int]) -> float:
    """The longest the loop went without running this task while ``evict`` ran, in s."""
    longest, turn = 0.0, perf_counter()
    while not evict.done():
        await asyncio.sleep(0)
        now = perf_counter()
        longest, turn = max(longest, now - turn), now
    return longest


async def _sweep(store: MemoryStateStore, sliced: bool) -> tuple[int, float, float]:
    """(entities forgotten, longest hold s, total s)."""

    async def one_call() -> int:
        return store.tables.evict_idle(NOW)

    started = perf_counter()
    evict = asyncio.create_task(store.evict_idle(NOW) if sliced else one_call())
    longest = await _longest_hold(evict)
    return await evict, longest, perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--idle-every", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for label, sliced in (("baseline: one sweep of the whole table", False),
                          (f"MemoryStateStore: slices of {EVICTION_SLICE_ROWS:,} slots", True)):
        store = _store(args.entities, args.idle_every)
        rows.append((label, *asyncio.run(_sweep(store, sliced))))
    baseline_hold = rows[0][2]
    print(f"\n{args.entities:,} IPs, one in {args.idle_every} idle past the state horizon\n")
    print("| eviction | entities forgotten | longest hold of the loop ms | total ms "
          "| hold shorter than baseline |")
    print("|---|---:|---:|---:|---:|")
    for label, forgotten, longest, total in rows:
        print(f"| {label} | {forgotten:,} | {longest * 1000:.2f} | {total * 1000:.1f} "
              f"| {baseline_hold / longest:.1f}x |")
    if len({forgotten for _, forgotten, _, _ in rows}) != 1:
        raise SystemExit("the two sweeps forgot different numbers of entities")


if __name__ == "__main__":
    main()
