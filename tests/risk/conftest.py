from __future__ import annotations

from collections.abc import Callable

import pytest

from paytrust.platform.identity import cache as principal_cache
from paytrust.platform.identity.principal import Principal


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
