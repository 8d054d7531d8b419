from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_redis import RedisStateStore
from paytrust.risk.adapters.state_store import StateStore

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _redis_store() -> AsyncIterator[RedisStateStore]:
    prefix = f"paytrust-test:{uuid.uuid4().hex}:"
    redis_store = RedisStateStore.from_url(REDIS_URL, prefix=prefix)
    try:
        await redis_store.client.ping()
    except (RedisConnectionError, OSError) as error:
        await redis_store.close()
        pytest.skip(f"Redis does not answer on {REDIS_URL}: {error}")
    yield redis_store
    keys = [key async for key in redis_store.client.scan_iter(f"{prefix}*")]
    if keys:
        await redis_store.client.delete(*keys)
    await redis_store.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    async for redis_store in _redis_store():
        yield redis_store


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.integration)])
async def shared_store() -> AsyncIterator[RedisStateStore]:
    """The store shared between processes (Redis), whose records the tests can read."""
    async for redis_store in _redis_store():
        yield redis_store
