"""Who is calling: a signed-in user or an integrator's API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Literal["user", "api_key"]
    id: str  # user id or API key id
    name: str  # username or API key name
    roles: frozenset[str]
    permissions: frozenset[str]
    locale: str = "en"
    user_id: str | None = None  # the user behind a session, or the owner of an API key
    session_id: str | None = None

    @property
    def actor(self) -> str:
        """How this caller appears in the audit trail."""
        return f"{self.kind}:{self.name}"

    def can(self, permission: str) -> bool:
        return permission in self.permissions
