"""What the engine answers: a decision, a score and the reasons for it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Decision(StrEnum):
    """Ordered from least to most severe; ``challenge`` means step-up authentication."""

    APPROVE = "approve"
    CHALLENGE = "challenge"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Decision.APPROVE: 0, Decision.CHALLENGE: 1, Decision.REVIEW: 2, Decision.BLOCK: 3}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # stable, e.g. "rule:ato_new_device_drain", "model:amount_zscore", "list:ip_blocked"
    message: str
    contribution: float  # share of the score this reason explains (0-1)
