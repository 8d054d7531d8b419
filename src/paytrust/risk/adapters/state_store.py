"""The entity-state stores a scorer can use.

``MemoryStateStore`` keeps the state of one process in the compiled features' tables, which
the engine updates in place. A ``SharedStateStore`` (Redis) is shared by any number of
scoring processes: for each batch it loads the state the batch reads into scratch tables,
lets the engine score on them, and stores what changed only if no other scorer wrote the
same entities meanwhile; otherwise it applies the batch's updates again to the state as it
now is. So scorers sharing a store lose no increments and take no locks; inside a batch,
the engine makes later transactions see earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.engine.config import EngineConfig
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.transaction import Transaction

_T = TypeVar("_T")


class StateStoreUnavailable(RuntimeError):
    """The shared store could not be read or written now (down, unreachable, or its records
    kept changing under the batch); nothing of the batch was stored, so it may be retried."""


class SharedStateStore(Protocol):
    async def score_with(
        self, txns: Sequence[Transaction], config: EngineConfig,
        score: Callable[[FeatureTables], _T],
    ) -> _T:
        """Run ``score`` on tables holding the state ``txns`` read, then store the
        transactions' updates (``config`` as the engine's); returns what ``score`` returned.
        Raises ``StateStoreUnavailable`` when the store cannot serve the batch."""
        ...

    async def close(self) -> None: ...


StateStore = MemoryStateStore | SharedStateStore
