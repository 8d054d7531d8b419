"""In-process entity state: the embedded default, and the store of replays and backtests.

The state lives in the columnar tables of the compiled features (``FeatureTables``), which
the engine reads and updates in place (``Engine.score_in_place``): no snapshot, no copies,
no separate apply. Scoring never suspends between reading and updating, so an asyncio
scorer needs no lock.
"""

from __future__ import annotations

from paytrust.risk.engine.features.tables import FeatureTables


class MemoryStateStore:
    def __init__(self, reserved_entities: int = 0) -> None:
        """``reserved_entities``: entities of each kind the tables hold before they first
        grow (0: a few hundred, for replays and tests)."""
        self._reserved = reserved_entities
        self.tables = self._empty_tables()

    def _empty_tables(self) -> FeatureTables:
        if self._reserved:
            return FeatureTables(reserved_rows=self._reserved)
        return FeatureTables()

    def __len__(self) -> int:
        return len(self.tables)

    def evict_idle(self, now: float) -> int:
        """Forget entities idle past the state horizon (what Redis TTLs do); returns how many."""
        return self.tables.evict_idle(now)

    async def close(self) -> None:
        self.tables = self._empty_tables()
