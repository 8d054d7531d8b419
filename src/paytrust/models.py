"""Imports every module's models: one registry for Alembic and the mappers."""

from paytrust.platform import audit  # noqa: F401
from paytrust.platform.db import Base
from paytrust.platform.identity import models as identity_models  # noqa: F401
from paytrust.platform.jobs import models as jobs_models  # noqa: F401
from paytrust.platform.notify import models as notify_models  # noqa: F401
from paytrust.risk import models as risk_models  # noqa: F401

metadata = Base.metadata

__all__ = ["Base", "metadata"]
