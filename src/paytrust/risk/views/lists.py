"""Block and allow lists: filter, add with an expiry, remove, bulk import (all or nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from paytrust.console.csrf import CsrfProtected
from paytrust.console.templating import render
from paytrust.platform.db import utcnow
from paytrust.platform.errors import ValidationFailed
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.permissions import LISTS_EDIT, LISTS_READ
from paytrust.risk.schemas import ListEntryCreate
from paytrust.risk.views._shell import BASE, notice_key

router = api_router(prefix=BASE, tags=["console"], include_in_schema=False)

Reader = Annotated[Principal, require(LISTS_READ)]
Editor = Annotated[Principal, require(LISTS_EDIT)]
PER_PAGE = 50
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
NOTICES = frozenset({"added", "removed", "imported"})


def _page(
    request: Request, db: Session, caller: Principal, *, kind: ListKind | None = None,
    action: ListAction | None = None, page: int = 1, notice: str | None = None,
    add_errors: list[dict[str, Any]] | None = None,
    import_errors: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    entries, total = risk_service.list_entries(db, now=utcnow(), kind=kind, action=action,
                                               limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    filters = {k: v.value for k, v in (("kind", kind), ("action", action)) if v is not None}
    return render(
        request, "risk/lists.html", status_code=status_code, current_nav="risk_lists",
        entries=entries, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
        filters=filters, kinds=list(ListKind), actions=list(ListAction),
        can_edit=caller.can(LISTS_EDIT), notice_key=notice_key(notice, NOTICES),
        add_errors=add_errors or [], import_errors=import_errors or [],
    )


@router.get("/lists")
def list_management(
    request: Request, db: DbSession, caller: Reader,
    kind: ListKind | Literal[""] = "", action: ListAction | Literal[""] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """An empty filter ("any", as the filter form sends it) is no filter."""
    return _page(request, db, caller, kind=kind or None, action=action or None, page=page,
                 notice=notice)


def _done(notice: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/lists?{urlencode({'notice': notice})}", status_code=303)


def _expiry(local_value: str) -> datetime | None:
    """A ``datetime-local`` field's value, read as UTC (the form says so)."""
    if not local_value:
        return None
    return datetime.fromisoformat(local_value).replace(tzinfo=UTC)


@router.post("/lists", dependencies=[CsrfProtected])
def add_entry(
    request: Request, db: DbSession, caller: Editor,
    kind: Annotated[str, Form()], action: Annotated[str, Form()],
    value: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    expires_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        entry = ListEntryCreate(kind=kind, action=action, value=value.strip(),
                                reason=reason.strip() or None, expires_at=_expiry(expires_at))
        risk_service.add_list_entry(db, actor=caller.actor, entry=entry, now=utcnow())
    except ValidationError as error:
        problems = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]}
                    for e in error.errors()]
        return _page(request, db, caller, add_errors=problems, status_code=422)
    except ValueError as error:  # a malformed expiry
        return _page(request, db, caller, status_code=422,
                     add_errors=[{"field": "expires_at", "message": str(error)}])
    except ValidationFailed as error:
        return _page(request, db, caller, status_code=422,
                     add_errors=[{"field": error.field or "value", "message": error.detail}])
    return _done("added")


@router.post("/lists/{entry_id}/remove", dependencies=[CsrfProtected])
def remove_entry(db: DbSession, caller: Editor, entry_id: str) -> Response:
    risk_service.remove_list_entry(db, actor=caller.actor, entry_id=entry_id, now=utcnow())
    return _done("removed")


def _upload_format(upload: UploadFile) -> str:
    name = (upload.filename or "").lower()
    return "json" if name.endswith(".json") or upload.content_type == "application/json" else "csv"


@router.post("/lists/import", dependencies=[CsrfProtected])
def import_entries(
    request: Request, db: DbSession, caller: Editor, upload: UploadFile,
) -> Response:
    content = upload.file.read(MAX_UPLOAD_BYTES + 1)
    problems: list[dict[str, Any]]
    if len(content) > MAX_UPLOAD_BYTES:
        problems = [{"row": None, "field": "file", "message": "file larger than 10 MB"}]
    else:
        try:
            risk_service.import_list_entries(
                db, actor=caller.actor, content=content.decode("utf-8-sig"),
                content_format=_upload_format(upload), now=utcnow(),
            )
            return _done("imported")
        except UnicodeDecodeError:
            problems = [{"row": None, "field": "file", "message": "not UTF-8 text"}]
        except ValidationFailed as error:
            problems = error.extra.get("errors") or [
                {"row": None, "field": error.field, "message": error.detail}]
    return _page(request, db, caller, import_errors=problems, status_code=422)
