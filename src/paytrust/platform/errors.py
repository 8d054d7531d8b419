"""Domain errors with stable codes, and their RFC 9457 problem+json rendering.

Services raise these; one handler maps them to HTTP. Status codes live only in ``STATUS``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "domain-error"
    title = "Request cannot be completed"

    def __init__(
        self, detail: str, *, field: str | None = None, commit_anyway: bool = False, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # The request fails, yet what the service recorded on the way must stay (e.g. a failed
        # sign-in counting towards the lock-out): the unit of work commits before the error.
        self.commit_anyway = commit_anyway
        self.extra = extra


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class ValidationFailed(DomainError):
    code = "validation-failed"
    title = "Invalid input"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(DomainError):
    code = "permission-denied"
    title = "Permission denied"


class AccountLocked(DomainError):
    code = "account-locked"
    title = "Account locked"


class RateLimited(DomainError):
    code = "rate-limited"
    title = "Too many requests"


class PayloadTooLarge(DomainError):
    code = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    code = "unsupported-media-type"
    title = "Unsupported media type"


class Unavailable(DomainError):
    """A service the request needs is down or overloaded; the same request may be retried."""

    code = "unavailable"
    title = "Temporarily unavailable"


STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    ValidationFailed: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    AccountLocked: 423,
    RateLimited: 429,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Unavailable: 503,
}
RETRY_AFTER_S = 1  # what a 503 answer asks the client to wait


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(
    status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = ({"WWW-Authenticate": "Bearer"} if status == 401
               else {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_schema(description: str) -> dict[str, Any]:
    """For a route's ``responses=``: documents a problem response in OpenAPI."""
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "body")


async def _domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(
        status_of(exc), exc.code, exc.title, exc.detail, request.url.path,
        field=exc.field, **exc.extra,
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_path(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return problem(
        422, "invalid-payload", "Invalid payload",
        f"{first['field']}: {first['message']}", request.url.path,
        field=first["field"], errors=errors,
    )


async def _http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, code, str(exc.detail), str(exc.detail), request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
