"""Reading bucketed windows and member sets of one entity's state at an event time."""

from __future__ import annotations

from typing import Final

from paytrust.risk.engine.state import RESOLUTIONS, SERIES_WIDTH, EntityState

MINUTE: Final = 60
HOUR: Final = 3_600
DAY: Final = 86_400

# window name -> (bucket resolution, number of buckets)
WINDOWS: Final[dict[str, tuple[int, int]]] = {
    "1m": (10, 6),
    "1h": (300, 12),
    "24h": (3_600, 24),
    "7d": (86_400, 7),
    "30d": (86_400, 30),
}
WINDOW_SECONDS: Final[dict[str, int]] = {name: r * n for name, (r, n) in WINDOWS.items()}

ZERO_SERIES: Final = (0.0,) * SERIES_WIDTH


def window_series(state: EntityState, window: str, at: float) -> tuple[float, ...] | list[float]:
    """Each series summed over ``window`` ending at the bucket of ``at``."""
    resolution, count = WINDOWS[window]
    buckets = state.buckets.get(resolution)
    if not buckets:
        return ZERO_SERIES
    oldest = int(at // resolution) - count
    selected = [values for index, values in buckets.items() if index > oldest]
    if not selected:
        return ZERO_SERIES
    if len(selected) == 1:
        return selected[0]
    return [sum(column) for column in zip(*selected, strict=True)]


def expired_buckets(state: EntityState, at: float) -> tuple[tuple[int, int], ...]:
    """Buckets the state no longer needs at ``at``; only looked for when a resolution holds
    more buckets than it keeps, which bounds the memory without a scan per event."""
    expired: list[tuple[int, int]] = []
    for resolution, kept in RESOLUTIONS.items():
        buckets = state.buckets.get(resolution)
        if buckets is None or len(buckets) < kept:
            continue
        oldest_kept = int(at // resolution) - kept + 1
        if min(buckets) < oldest_kept:
            expired.extend((resolution, index) for index in buckets if index < oldest_kept)
    return tuple(expired)


def distinct_since(members: dict[str, float] | None, since: float) -> int:
    """Members seen after ``since``: set windows slide exactly, unlike bucketed series."""
    if not members:
        return 0
    return sum(1 for seen in members.values() if seen > since)
