"""Imports every module's named permissions: one registry for roles, API-key scopes and the
route x role matrix, whether or not the web app was built (the CLI needs it too)."""

from paytrust.console import permissions as console_permissions  # noqa: F401
from paytrust.platform.identity import permissions
from paytrust.platform.notify import permissions as notify_permissions  # noqa: F401
from paytrust.risk import permissions as risk_permissions  # noqa: F401

REGISTRY = permissions.REGISTRY

__all__ = ["REGISTRY"]
