"""The model registry and backtest pages.

The registry (``risk_model_version``) and ``risk/backtest.py`` are being added on their own
branch; until they land these pages say so instead of offering buttons that do nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response

from paytrust.console.templating import render
from paytrust.platform.identity.deps import api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.risk.permissions import BACKTEST_RUN, MODELS_READ
from paytrust.risk.views._shell import BASE

router = api_router(prefix=BASE, tags=["console"], include_in_schema=False)


@router.get("/models")
def model_registry(
    request: Request, caller: Annotated[Principal, require(MODELS_READ)],
) -> Response:
    return render(request, "risk/models.html", current_nav="risk_models")


@router.get("/backtest")
def backtest(
    request: Request, caller: Annotated[Principal, require(BACKTEST_RUN)],
) -> Response:
    return render(request, "risk/backtest.html", current_nav="risk_backtest")
