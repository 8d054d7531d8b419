"""FastAPI dependencies: the unit of work, the caller, and the permission a route needs.

Routes are deny-by-default: every route must carry exactly one of ``require(permission)`` or
``PUBLIC``; ``paytrust.app.create_app`` refuses to start otherwise. Use them as

    Caller = Annotated[Principal, require(RULES_EDIT)]
    def update_rules(caller: Caller, db: DbSession) -> ...
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from paytrust.platform.db import Database
from paytrust.platform.errors import DomainError, PermissionDenied, Unauthenticated
from paytrust.platform.headers import header
from paytrust.platform.identity import cache
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.principal import Principal

SESSION_COOKIE = "paytrust_session"
# Where a request's scope keeps the caller its permission check resolved: a plain key, not
# ``request.state`` (whose first use per request costs a failed ``hasattr`` and a wrapper
# object: about a microsecond of every scored payment's check under load).
_PRINCIPAL_KEY = "paytrust.principal"
PERMISSION_ATTR = "__paytrust_permission__"
PUBLIC_ATTR = "__paytrust_public__"


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _db_session(request: Request) -> Iterator[Session]:
    """The request's unit of work; ``UnitOfWorkRoute`` commits it before the response."""
    session = get_database(request).session_factory()
    request.state.db_session = session
    try:
        yield session
    finally:
        session.close()  # rolls back anything not committed


DbSession = Annotated[Session, Depends(_db_session)]


def _credentials(request: Request) -> tuple[str, str] | None:
    api_key = header(request, b"x-api-key")
    if api_key:
        return "api_key", api_key
    authorization = header(request, b"authorization") or ""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value:
        return "api_key", value.strip()
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        return "session", token
    return None


def _resolve(database: Database, kind: str, credential: str) -> Principal:
    with database.session_scope() as session:
        if kind == "api_key":
            return identity_service.authenticate_api_key(session, credential)
        return identity_service.authenticate_session_token(session, credential)


# API keys being looked up now, by hash: requests carrying a key whose cache entry expired
# wait for one lookup instead of each querying (and writing last-used) at once.
_api_key_lookups: dict[str, asyncio.Future[Principal]] = {}


async def _resolve_api_key(database: Database, credential: str) -> Principal:
    lookup_id = hashlib.sha256(credential.encode()).hexdigest()
    lookup = _api_key_lookups.get(lookup_id)
    if lookup is None or lookup.get_loop() is not asyncio.get_running_loop():
        lookup = asyncio.ensure_future(
            run_in_threadpool(_resolve, database, "api_key", credential))
        _api_key_lookups[lookup_id] = lookup
        lookup.add_done_callback(functools.partial(_api_key_resolved, lookup_id, credential))
    # Shielded: a waiter that goes away does not cancel the lookup the others wait for.
    return await asyncio.shield(lookup)


def _api_key_resolved(lookup_id: str, credential: str, lookup: asyncio.Future[Principal]
                      ) -> None:
    if _api_key_lookups.get(lookup_id) is lookup:
        del _api_key_lookups[lookup_id]
    if not lookup.cancelled() and lookup.exception() is None:
        cache.put("api_key", credential, lookup.result())


async def current_principal(request: Request) -> Principal:
    """The authenticated caller, or 401."""
    return _cached_principal(request) or await _resolved_principal(request)


def _cached_principal(request: Request) -> Principal | None:
    """The caller if its credential is in the cache: no database, and no coroutine to run
    (the scoring routes call this first, on every payment)."""
    found = _credentials(request)
    principal = None if found is None else cache.get(*found)
    if principal is not None:
        request.scope[_PRINCIPAL_KEY] = principal
    return principal


async def _resolved_principal(request: Request) -> Principal:
    """The caller looked up in the database (``_cached_principal`` found none), or 401."""
    found = _credentials(request)
    if found is None:
        raise Unauthenticated("sign in or send an API key")
    kind, credential = found
    if kind == "api_key":
        principal = await _resolve_api_key(get_database(request), credential)
    else:  # sessions touch last-seen on every request, so are not cached
        principal = await run_in_threadpool(_resolve, get_database(request), kind, credential)
    request.scope[_PRINCIPAL_KEY] = principal
    return principal


def resolved_principal(request: Request) -> Principal | None:
    """The caller resolved by this request's permission check, if it has run."""
    principal: Principal | None = request.scope.get(_PRINCIPAL_KEY)
    return principal


async def authorised(request: Request, permission: str) -> Principal:
    """The caller if it holds ``permission``; 401 / 403 otherwise."""
    return _permitted(await current_principal(request), permission)


def _permitted(principal: Principal, permission: str) -> Principal:
    if not principal.can(permission):
        raise PermissionDenied(f"requires permission {permission!r}")
    return principal


def require(permission: str) -> Any:
    """A dependency that yields the caller if it holds ``permission`` (401 / 403 otherwise)."""

    async def check_permission(request: Request) -> Principal:
        return await authorised(request, permission)

    setattr(check_permission, PERMISSION_ATTR, permission)
    return Depends(check_permission)


async def _public() -> None:
    """Marks a route that needs no caller (sign-in, health, static assets). ``async`` so
    FastAPI calls it on the event loop: a plain ``def`` costs every request a thread hop."""


setattr(_public, PUBLIC_ATTR, True)
PUBLIC = Depends(_public)


def access_marker(dependency_calls: list[Any]) -> str | None:
    """``"public"`` or the permission a route requires, from its flattened dependency calls."""
    for call in dependency_calls:
        if hasattr(call, PERMISSION_ATTR):
            return str(getattr(call, PERMISSION_ATTR))
        if hasattr(call, PUBLIC_ATTR):
            return "public"
    return None


class UnitOfWorkRoute(APIRoute):
    """Commits the request's unit of work after the endpoint returns and before the response is
    sent (FastAPI runs ``yield`` dependency teardown after sending, too late to report a failed
    commit). On an error the session is closed uncommitted, i.e. rolled back."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handler_with_commit(request: Request) -> Response:
            try:
                response = await handler(request)
            except DomainError as error:
                if error.commit_anyway:
                    await _commit(request)
                raise
            await _commit(request)
            return response

        return handler_with_commit


async def _commit(request: Request) -> None:
    session: Session | None = getattr(request.state, "db_session", None)
    if session is not None:
        await run_in_threadpool(session.commit)


class DirectRoute(APIRoute):
    """A route for the hot path: ``async def endpoint(request, caller) -> Response`` whose one
    dependency is its permission (``caller: Annotated[Principal, require(...)]``). The
    endpoint is called straight after the permission check, without FastAPI's dependency
    resolution and request handler (about a third of a small request's CPU); it reads its
    own body and returns its own ``Response``, with no database session. OpenAPI, the
    access marker and the problem handlers work as on any route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        permission = self._permission()
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            caller = _cached_principal(request) or await _resolved_principal(request)
            response: Response = await endpoint(request, _permitted(caller, permission))
            return response

        return handler

    def _permission(self) -> str:
        dependencies = self.dependant.dependencies
        permission = getattr(dependencies[0].call, PERMISSION_ATTR, None) if len(
            dependencies) == 1 else None
        parameters = list(inspect.signature(self.endpoint).parameters)
        if (permission is None or self.dependencies or len(parameters) != 2
                or not inspect.iscoroutinefunction(self.endpoint)):
            raise TypeError(f"{self.path}: a DirectRoute endpoint is `async def (request, "
                            "caller)` whose one dependency is its permission")
        return str(permission)


def api_router(**kwargs: Any) -> APIRouter:
    """Every module's router: unit-of-work routes."""
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)
