"""FastAPI app factory: mounts every module's API and console routers, deny-by-default."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from paytrust import __version__
from paytrust.config import Settings, get_settings
from paytrust.console import install_console
from paytrust.platform import crypto
from paytrust.platform.db import Database
from paytrust.platform.errors import install_problem_handlers
from paytrust.platform.health import router as health_router
from paytrust.platform.identity.deps import access_marker


def _routers() -> list[Any]:
    """Each module's routers, in mount order. Import here so the CLI starts fast."""
    from paytrust.console.views import routers as console_routers
    from paytrust.platform.identity.api import router as identity_router
    from paytrust.platform.notify.api import router as notifications_router
    from paytrust.risk.api import routers as risk_routers
    from paytrust.risk.views import router as risk_console

    # Starlette tries routes in order: the scoring routes come first because every payment
    # takes them (after them, each request would first try some fifty console routes).
    return [
        health_router, *risk_routers, identity_router, notifications_router, *console_routers,
        risk_console,
    ]


def _flatten(dependant: Dependant) -> list[Any]:
    calls: list[Any] = []
    for sub in dependant.dependencies:
        calls.append(sub.call)
        calls.extend(_flatten(sub))
    return calls


def enforce_access_markers(app: FastAPI) -> None:
    """Refuse to start if a route declares neither a permission nor ``PUBLIC``; publish the
    permission of each route in OpenAPI (``x-permission``)."""
    unmarked: list[str] = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        marker = access_marker(_flatten(route.dependant))
        if marker is None:
            unmarked.append(f"{sorted(route.methods or ())} {route.path}")
            continue
        route.openapi_extra = {**(route.openapi_extra or {}), "x-permission": marker}
        route.description = f"{route.description}\n\n**Permission:** `{marker}`".strip()
    if unmarked:
        raise RuntimeError("routes without a permission or PUBLIC marker: " + ", ".join(unmarked))


GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)


def _settle_the_heap() -> None:
    """Move everything built at start-up (modules, compiled rules, models, warm caches) out
    of the collector's sight and collect less often: full collections otherwise walk it all
    again and again, and those pauses were most of the scoring route's p99."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def create_app(
    settings: Settings | None = None, database: Database | None = None, *,
    settle_heap: bool = False,
) -> FastAPI:
    """The service. ``settle_heap`` tunes the garbage collector for a long-running server
    process (``paytrust serve``, the demo); tests, which build many apps, leave it off."""
    settings = settings or get_settings()
    owns_database = database is None
    database = database or Database(settings.database_url)
    crypto.configure(crypto.KeyRing.from_settings(settings))

    from paytrust.risk.adapters.runtime import RiskRuntime

    risk_runtime = RiskRuntime(database, settings.risk)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await risk_runtime.start()
        if settle_heap:
            _settle_the_heap()
        try:
            yield
        finally:
            await risk_runtime.stop()  # records every transaction already answered
            if owns_database:
                database.dispose()

    app = FastAPI(
        title="PayTrust",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.risk = risk_runtime
    install_problem_handlers(app)
    install_console(app)
    for router in _routers():
        app.include_router(router)
    enforce_access_markers(app)
    return app


def create_server_app() -> FastAPI:
    """The app of ``paytrust serve`` (a uvicorn factory)."""
    return create_app(settle_heap=True)
