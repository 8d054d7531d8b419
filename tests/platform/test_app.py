"""The app factory: deny-by-default routes, problem responses, OpenAPI."""

from __future__ import annotations

from typing import Annotated, Any

import fastapi.dependencies.utils
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from paytrust.app import enforce_access_markers
from paytrust.platform.errors import Conflict, install_problem_handlers
from paytrust.platform.identity.deps import PUBLIC, DirectRoute, api_router, require
from paytrust.platform.identity.principal import Principal


def test_app_refuses_to_start_with_a_route_lacking_a_permission() -> None:
    app = FastAPI()
    router = api_router()

    @router.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(RuntimeError, match="/forgotten"):
        enforce_access_markers(app)


def test_route_permission_is_published_in_openapi() -> None:
    app = FastAPI()
    router = api_router()

    @router.get("/guarded", dependencies=[require("demo.read")])
    def guarded() -> dict[str, str]:
        return {}

    @router.get("/open", dependencies=[PUBLIC])
    def open_route() -> dict[str, str]:
        return {}

    app.include_router(router)
    enforce_access_markers(app)
    paths = app.openapi()["paths"]
    assert paths["/guarded"]["get"]["x-permission"] == "demo.read"
    assert paths["/open"]["get"]["x-permission"] == "public"


Caller = Annotated[Principal, require("demo.score")]  # at module level: annotations are strings


def test_a_direct_route_keeps_its_permission_in_openapi_and_refuses_other_shapes() -> None:
    router = APIRouter(route_class=DirectRoute)

    @router.post("/direct")
    async def direct(request: Request, caller: Caller) -> Response:
        return Response(caller.name)

    app = FastAPI()
    app.include_router(router)
    enforce_access_markers(app)
    assert app.openapi()["paths"]["/direct"]["post"]["x-permission"] == "demo.score"

    async def with_a_query(request: Request, caller: Caller, limit: int = 10) -> Response:
        return Response()

    def not_async(request: Request, caller: Caller) -> Response:
        return Response()

    async def without_permission(request: Request, caller: Principal) -> Response:
        return Response()

    for endpoint in (with_a_query, not_async, without_permission):
        with pytest.raises(TypeError, match="DirectRoute"):
            router.add_api_route(f"/{endpoint.__name__}", endpoint, methods=["POST"])


def test_public_marker_runs_on_the_event_loop_without_a_thread_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FastAPI runs a sync dependency in the thread pool; the marker guards every public
    route (health, sign-in, static files) and must not cost each request a thread hop."""
    threaded: list[object] = []
    run_in_threadpool = fastapi.dependencies.utils.run_in_threadpool

    async def recording(func: Any, *args: Any, **kwargs: Any) -> Any:
        threaded.append(func)
        return await run_in_threadpool(func, *args, **kwargs)

    monkeypatch.setattr(fastapi.dependencies.utils, "run_in_threadpool", recording)
    app = FastAPI()
    router = api_router()

    @router.get("/open", dependencies=[PUBLIC])
    async def open_route() -> dict[str, str]:
        return {}

    app.include_router(router)
    assert TestClient(app).get("/open").status_code == 200
    assert threaded == []


class Payload(BaseModel):
    amount: int


def _app_with_problem_routes() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = api_router()

    @router.post("/things", dependencies=[PUBLIC])
    def create_thing(payload: Payload) -> dict[str, int]:
        if payload.amount == 7:
            raise Conflict("seven is taken", field="amount")
        return {"amount": payload.amount}

    app.include_router(router)
    return app


def test_domain_error_becomes_problem_json_naming_the_field() -> None:
    response = TestClient(_app_with_problem_routes()).post("/things", json={"amount": 7})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/conflict"
    assert body["field"] == "amount"
    assert body["instance"] == "/things"


def test_invalid_payload_is_422_problem_with_field_path() -> None:
    response = TestClient(_app_with_problem_routes()).post("/things", json={"amount": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/problems/invalid-payload"
    assert body["field"] == "amount"
    assert body["errors"][0]["field"] == "amount"


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_health_is_public_and_touches_the_database(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_is_served_under_api_docs(client: TestClient) -> None:
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
