"""One small world per run with every typology made frequent, shared by the signal tests."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from paytrust.simulator import Simulation, SimulationConfig, simulate_batches
from paytrust.simulator.config import DEFAULT_RATES

BUSY = SimulationConfig(
    customers=1_500,
    days=20,
    seed=11,
    typology_rates={name: rate * 25 for name, rate in DEFAULT_RATES.items()},
)


@pytest.fixture(scope="session")
def busy_simulation() -> Simulation:
    return Simulation(BUSY)


@pytest.fixture(scope="session")
def busy_rows(busy_simulation: Simulation) -> list[dict[str, Any]]:
    return pa.Table.from_batches(list(busy_simulation.batches())).to_pylist()


@pytest.fixture(scope="session")
def default_table() -> pa.Table:
    return pa.Table.from_batches(
        list(simulate_batches(SimulationConfig(customers=4_000, days=20, seed=5)))
    )
