"""Liveness and readiness: public, cheap."""

from __future__ import annotations

from sqlalchemy import text

from paytrust import __version__
from paytrust.platform.identity.deps import PUBLIC, DbSession, api_router

router = api_router(prefix="/api", tags=["health"])


@router.get("/health", dependencies=[PUBLIC])
def health(db: DbSession) -> dict[str, str]:
    db.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}


