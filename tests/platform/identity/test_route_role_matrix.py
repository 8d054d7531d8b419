"""Every route x every role: exactly the roles holding a route's permission get through.

The routes come from the real app, so a route any module adds later is covered without editing
this test. For each route the permission is its deny-by-default marker (``x-permission``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session
from starlette.requests import Request

from paytrust.app import _flatten, create_app
from paytrust.config import Settings
from paytrust.console.csrf import CSRF_COOKIE, CSRF_FIELD, _token
from paytrust.platform.db import Database
from paytrust.platform.identity.deps import SESSION_COOKIE, access_marker
from paytrust.platform.identity.permissions import REGISTRY, Role, api_key_scopes
from paytrust.platform.identity.permissions import permissions_for_roles as granted

from .factories import make_api_key, make_user, session_token_for

JSON = {"accept": "application/json"}
CSRF_NONCE = "matrix-nonce"


def _guarded_routes() -> list[tuple[str, str, str]]:
    """(method, path, permission) of every non-public route of the app."""
    app = create_app(Settings(environment="test"), Database("sqlite://"))
    routes: list[tuple[str, str, str]] = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        marker = access_marker(_flatten(route.dependant))
        assert marker is not None, f"{route.path} has no access marker"
        if marker == "public":
            continue
        assert marker in REGISTRY, f"{route.path} requires undefined permission {marker!r}"
        path = re.sub(r"\{[^}]+\}", "matrix-test", route.path)
        routes.extend((method, path, marker) for method in sorted(route.methods or ()))
    return routes


ROUTES = _guarded_routes()


def _call(
    client: TestClient, app: FastAPI, method: str, path: str, session_token: str | None,
    api_key: str | None = None,
) -> Response:
    client.cookies.clear()
    headers = {**JSON, "x-api-key": api_key} if api_key else JSON
    if session_token:
        client.cookies.set(SESSION_COOKIE, session_token)
    if method in ("GET", "DELETE", "HEAD"):
        return client.request(method, path, headers=headers)
    if path.startswith("/console"):
        client.cookies.set(CSRF_COOKIE, CSRF_NONCE)
        cookie = f"{SESSION_COOKIE}={session_token or ''}".encode()
        scope = {"type": "http", "app": app, "headers": [(b"cookie", cookie)]}
        form = {CSRF_FIELD: _token(Request(scope), CSRF_NONCE)}
        return client.request(method, path, headers=headers, data=form)
    return client.request(method, path, headers=headers, json={})


def _denied(response: Response) -> bool:
    if response.status_code != 403:
        return False
    body = response.json() if "json" in response.headers.get("content-type", "") else {}
    return body.get("type") == "/problems/permission-denied"


@pytest.fixture
def app_client(app: FastAPI) -> Iterator[tuple[FastAPI, TestClient]]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield app, test_client


def test_every_route_requires_credentials(app_client: tuple[FastAPI, TestClient]) -> None:
    app, client = app_client
    wrong = [
        f"{method} {path} -> {response.status_code}"
        for method, path, _ in ROUTES
        if (response := _call(client, app, method, path, None)).status_code != 401
    ]
    assert not wrong, "routes answering without credentials:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_permissions(
    role: Role, app_client: tuple[FastAPI, TestClient], session: Session
) -> None:
    app, client = app_client
    user, _ = make_user(session, roles=[role])
    session.commit()
    held = granted([role])
    wrong: list[str] = []
    for method, path, permission in ROUTES:
        token = session_token_for(session, user)  # fresh: a route may end the session
        session.commit()
        response = _call(client, app, method, path, token)
        allowed = permission in held
        if response.status_code == 401 or _denied(response) == allowed:
            wrong.append(f"{method} {path} [{permission}] -> {response.status_code}")
    assert not wrong, f"{role} got the wrong answer from:\n" + "\n".join(wrong)


def test_api_keys_reach_exactly_their_scopes(
    app_client: tuple[FastAPI, TestClient], session: Session
) -> None:
    app, client = app_client
    scopes = sorted(api_key_scopes())
    assert scopes, "no permission may be granted to an API key"
    for scope in scopes:
        raw_key = make_api_key(session, [scope], name=scope)
        session.commit()
        for method, path, permission in ROUTES:
            response = _call(client, app, method, path, None, api_key=raw_key)
            if response.status_code == 401 or _denied(response) == (permission == scope):
                pytest.fail(f"key with {scope}: {method} {path} [{permission}] -> "
                            f"{response.status_code}")
