"""The model registry pages: every version with its headline metrics, one version in full,
and (with ``risk.models.manage``) promote, make challenger and stop the challenger.

Training is a long job, so the page shows the command that does it instead of a button.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from paytrust.console.csrf import CsrfProtected
from paytrust.console.templating import render
from paytrust.platform.db import utcnow
from paytrust.platform.errors import ValidationFailed
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.permissions import MODELS_MANAGE, MODELS_READ
from paytrust.risk.views._shell import BASE, notice_key

router = api_router(prefix=BASE, tags=["console"], include_in_schema=False)

Reader = Annotated[Principal, require(MODELS_READ)]
Manager = Annotated[Principal, require(MODELS_MANAGE)]
NOTICES = frozenset({"promoted", "challenger_set", "challenger_cleared"})
STATUSES = ("candidate", "champion", "challenger", "retired")
TRAIN_COMMAND = 'paytrust model train --data history.parquet --comment "why"'


def _registry(
    request: Request, db: Session, caller: Principal, *, notice: str | None = None,
    refusal: str | None = None, status_code: int = 200,
) -> Response:
    models = [risk_service.model_version_read(row)
              for row in risk_service.list_model_versions(db)]
    return render(
        request, "risk/models.html", status_code=status_code, current_nav="risk_models",
        models=models, can_manage=caller.can(MODELS_MANAGE), train_command=TRAIN_COMMAND,
        champion=next((m.version for m in models if m.status == "champion"), None),
        challenger=next((m.version for m in models if m.status == "challenger"), None),
        notice_key=notice_key(notice, NOTICES), refusal=refusal,
    )


@router.get("/models")
def model_registry(
    request: Request, db: DbSession, caller: Reader,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _registry(request, db, caller, notice=notice)


@router.get("/models/{version}")
def model_version(request: Request, db: DbSession, caller: Reader, version: str) -> Response:
    detail = risk_service.model_version_detail(risk_service.get_model_version(db, version))
    return render(request, "risk/model_detail.html", current_nav="risk_models", model=detail,
                  can_manage=caller.can(MODELS_MANAGE))


def _done(notice: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/models?{urlencode({'notice': notice})}", status_code=303)


@router.post("/models/challenger", dependencies=[CsrfProtected])
def set_challenger(
    request: Request, db: DbSession, caller: Manager,
    version: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """An empty ``version`` stops the challenger."""
    try:
        risk_service.set_challenger(db, actor=caller.actor, version=version or None)
    except ValidationFailed as error:  # the champion cannot shadow itself
        return _registry(request, db, caller, refusal=error.detail, status_code=400)
    return _done("challenger_set" if version else "challenger_cleared")


@router.post("/models/{version}/promote", dependencies=[CsrfProtected])
def promote(db: DbSession, caller: Manager, version: str) -> Response:
    risk_service.promote_model(db, actor=caller.actor, version=version, now=utcnow())
    return _done("promoted")
