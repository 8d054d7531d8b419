"""Roles and named permissions.

Each module declares its permissions in its own ``permissions.py`` with :func:`define`, naming
the roles that hold it. A route declares the one permission it needs (see ``deps.require``); the
route x role matrix test walks every route against every role from this registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    RISK_ANALYST = "risk_analyst"
    AML_OFFICER = "aml_officer"
    INCIDENT_RESPONDER = "incident_responder"
    SUPPORT_AGENT = "support_agent"
    TRAINER = "trainer"
    AUDITOR = "auditor"
    MANAGER = "manager"
    CUSTOMER = "customer"


STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER}


@dataclass(frozen=True)
class PermissionSpec:
    name: str
    description: str
    roles: frozenset[Role]
    api_key_scope: bool  # may be granted to an integrator's API key


REGISTRY: dict[str, PermissionSpec] = {}


def define(
    name: str, description: str, roles: Iterable[Role], *, api_key_scope: bool = False
) -> str:
    """Register a permission once (idempotent for the same definition); returns its name."""
    spec = PermissionSpec(name, description, frozenset(roles), api_key_scope)
    existing = REGISTRY.get(name)
    if existing is not None and existing != spec:
        raise ValueError(f"permission {name!r} defined twice with different roles")
    REGISTRY[name] = spec
    return name


def _load_every_module() -> None:
    """Modules define their permissions at import; make sure all of them have been imported."""
    importlib.import_module("paytrust.permissions")


def permissions_for_roles(roles: Iterable[str]) -> frozenset[str]:
    _load_every_module()
    wanted = {Role(r) for r in roles}
    return frozenset(p.name for p in REGISTRY.values() if p.roles & wanted)


def api_key_scopes() -> frozenset[str]:
    _load_every_module()
    return frozenset(p.name for p in REGISTRY.values() if p.api_key_scope)


# The identity module's own permissions.
_ALL_ROLES = frozenset(Role)
SELF = define("identity.self", "See and manage one's own account and second factor", _ALL_ROLES)
USERS_READ = define(
    "identity.users.read", "List users, their roles and teams",
    {Role.ADMIN, Role.AUDITOR, Role.MANAGER},
)
USERS_MANAGE = define(
    "identity.users.manage", "Create, disable and enable users; change roles", {Role.ADMIN}
)
TEAMS_MANAGE = define(
    "identity.teams.manage", "Create teams, add members", {Role.ADMIN, Role.MANAGER}
)
APIKEYS_MANAGE = define(
    "identity.apikeys.manage", "Create, list and revoke integrator API keys", {Role.ADMIN}
)
AUDIT_READ = define("platform.audit.read", "Read the audit trail", {Role.ADMIN, Role.AUDITOR})
AUDIT_VERIFY = define(
    "platform.audit.verify", "Verify the audit trail's hash chain", {Role.ADMIN, Role.AUDITOR}
)
