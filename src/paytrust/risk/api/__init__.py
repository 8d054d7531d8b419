"""The risk module's REST API under ``/api/v1``."""

from paytrust.risk.api.models import router as models_router
from paytrust.risk.api.records import router as records_router
from paytrust.risk.api.rules import router as rules_router
from paytrust.risk.api.scoring import router as scoring_router

routers = [scoring_router, records_router, rules_router, models_router]

__all__ = ["routers"]
