"""The entity-state stores a scorer can use.

``MemoryStateStore`` keeps the state of one process in the compiled features' tables.
A ``SharedStateStore`` (Redis) is shared by any number of scoring processes: a transaction
(or a batch) costs one ``read`` of every key it needs and one ``apply`` of every update it
produced. Updates are commutative (see ``risk.engine.state``), so scorers sharing a store
may interleave freely without losing increments. Inside a batch, the engine itself makes
later transactions see earlier ones (``Engine.score_batch``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.engine.state import EntityKey, StateSnapshot, StateUpdate


class SharedStateStore(Protocol):
    async def read(self, keys: Iterable[EntityKey]) -> StateSnapshot:
        """States of ``keys`` that exist; a key absent from the result was never seen."""
        ...

    async def apply(self, update: StateUpdate) -> None:
        """Apply every entity update (in any order: they commute)."""
        ...

    async def close(self) -> None: ...


StateStore = MemoryStateStore | SharedStateStore
