"""The console's named permissions."""

from __future__ import annotations

from paytrust.platform.identity.permissions import STAFF_ROLES, Role, define

CONSOLE_ACCESS = define(
    "console.access", "Sign in to the staff console and see its dashboard", STAFF_ROLES
)
AUDIT_VIEW = define(
    "console.audit.view",
    "Browse the audit trail in the console",
    {Role.ADMIN, Role.AUDITOR, Role.MANAGER},
)
