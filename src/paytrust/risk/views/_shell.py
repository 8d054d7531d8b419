"""How the risk pages sit in the console: the sidebar group, the dashboard tiles, one-off
notices after a form redirects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from paytrust.console.navigation import NavEntry, define_group, register
from paytrust.console.tiles import Tile, register_tile
from paytrust.platform.db import utcnow
from paytrust.platform.identity.principal import Principal
from paytrust.risk import service as risk_service
from paytrust.risk.enums import AlertStatus
from paytrust.risk.permissions import (
    ALERTS_READ,
    BACKTEST_RUN,
    LISTS_READ,
    MODELS_READ,
    RULES_READ,
    TRANSACTIONS_READ,
)

BASE = "/console/risk"
DECISIONS = ("approve", "challenge", "review", "block")

define_group("risk", "nav.group.risk", order=30)
for order, (key, url, permission) in enumerate((
    ("decisions", "/decisions", TRANSACTIONS_READ),
    ("alerts", "/alerts", ALERTS_READ),
    ("rules", "/rules", RULES_READ),
    ("lists", "/lists", LISTS_READ),
    ("models", "/models", MODELS_READ),
    ("backtest", "/backtest", BACKTEST_RUN),
)):
    register(NavEntry(f"risk_{key}", f"nav.risk.{key}", BASE + url, permission, "risk",
                      "shield", order=10 * (order + 1)))


def _open_alerts(db: Session, _principal: Principal) -> int:
    return risk_service.list_alerts(db, status=AlertStatus.OPEN, limit=1)[1]


def _decided_last_day(decision: str) -> Tile:
    def figure(db: Session, _principal: Principal) -> int:
        counts = risk_service.decision_counts(db, since=utcnow() - timedelta(days=1))
        return counts.get(decision, 0)

    return Tile(f"risk_{decision}_24h", f"dashboard.tile.risk_{decision}_24h",
                TRANSACTIONS_READ, figure, url=BASE + "/decisions",
                order=20 + DECISIONS.index(decision))


register_tile(Tile("risk_open_alerts", "dashboard.tile.risk_open_alerts", ALERTS_READ,
                   _open_alerts, url=BASE + "/alerts", order=19))
for _decision in DECISIONS:
    register_tile(_decided_last_day(_decision))


def notice_key(notice: str | None, allowed: frozenset[str]) -> str | None:
    """The message of a notice named in a redirect's query (only the page's own notices, so
    a crafted link cannot put arbitrary text on the page)."""
    return f"risk.notice.{notice}" if notice in allowed else None
