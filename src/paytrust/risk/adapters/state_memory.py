"""In-process entity state: the embedded default, and the sync store of backtests.

``read`` hands out the live state objects, not copies: the engine only reads them, and an
``apply`` made before the next ``read`` is what the next transaction should see anyway.
The async methods never suspend, so an asyncio scorer's read -> score -> apply runs as one
step and needs no lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from paytrust.risk.engine.state import (
    STATE_HORIZON_S,
    EntityKey,
    EntityState,
    StateSnapshot,
    StateUpdate,
    apply_update,
)


class MemoryStateStore:
    def __init__(self) -> None:
        self._states: dict[EntityKey, EntityState] = {}

    def __len__(self) -> int:
        return len(self._states)

    @property
    def states(self) -> dict[EntityKey, EntityState]:
        """The live states, for ``Engine.score_batch_in_place``."""
        return self._states

    def read_sync(self, keys: Iterable[EntityKey]) -> StateSnapshot:
        states = self._states
        return {key: states[key] for key in keys if key in states}

    def apply_sync(self, update: StateUpdate) -> None:
        states = self._states
        for entity_update in update:
            state = states.get(entity_update.key)
            if state is None:
                state = states[entity_update.key] = EntityState()
            apply_update(state, entity_update)

    def evict_idle(self, now: float) -> int:
        """Forget entities idle past the state horizon (what Redis TTLs do); returns how many."""
        horizon = now - STATE_HORIZON_S
        idle = [key for key, state in self._states.items()
                if state.maxima.get("last_at", horizon) <= horizon]
        for key in idle:
            del self._states[key]
        return len(idle)

    async def read(self, keys: Iterable[EntityKey]) -> StateSnapshot:
        return self.read_sync(keys)

    async def apply(self, update: StateUpdate) -> None:
        self.apply_sync(update)

    async def close(self) -> None:
        self._states.clear()
