from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from paytrust.config import Settings, get_settings
from paytrust.platform.db import Database
from paytrust.platform.identity import cache as principal_cache
from paytrust.platform.identity.principal import Principal
from paytrust.risk.training import (
    Example,
    TrainedModel,
    replay_features,
    time_split,
    train_model,
)
from paytrust.simulator import SimulationConfig, simulate
from paytrust.simulator.config import DEFAULT_RATES


@pytest.fixture
def configured(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Commands (``paytrust …``) read the test database from the environment."""
    monkeypatch.setenv("PAYTRUST_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def simulated_history() -> list[Example]:
    """A small labelled world: 300 customers over 24 days (about 11,000 payments), fraud ten
    times as common as by default so the later days hold enough of it to measure."""
    rates = {name: rate * 10 for name, rate in DEFAULT_RATES.items()}
    config = SimulationConfig(customers=300, days=24, seed=11, typology_rates=rates)
    return [Example(row.transaction, row.is_fraud, row.typology) for row in simulate(config)]


@pytest.fixture(scope="session")
def trained_model(simulated_history: list[Example]) -> TrainedModel:
    """A model trained on the first 70 % of ``simulated_history``'s days."""
    train, test = time_split(replay_features(simulated_history), train_fraction=0.7)
    return train_model(train, test, version="test-model-1", rounds=60)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    """Headers of a caller holding ``permissions``: an API key (default) or a console user.

    The principal is put in the identity cache, exactly where ``deps`` looks first, so these
    tests exercise the routes' permission checks without depending on how keys are issued.
    """
    counter = iter(range(10**6))

    def headers(*permissions: str, kind: str = "api_key") -> dict[str, str]:
        credential = f"test-{kind}-{next(counter)}"
        principal = Principal(
            kind="api_key" if kind == "api_key" else "user", id=credential, name=credential,
            roles=frozenset(), permissions=frozenset(permissions),
        )
        principal_cache.put("api_key", credential, principal)
        return {"x-api-key": credential}

    return headers
