"""Counters of the stream worker and its periodic one-line report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from paytrust.risk.stream.messages import Settle, Settlement

__all__ = ["WorkerStats"]


@dataclass(slots=True)
class WorkerStats:
    """Totals since start, and a window the report line covers and then restarts."""

    messages: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    rejected: int = 0  # rejections published (whole messages or single transactions)
    retried: int = 0   # messages handed back for a later delivery
    _window_messages: int = 0
    _window_decisions: int = 0

    def count(self, settlements: Iterable[Settlement]) -> None:
        for settlement in settlements:
            self.messages += 1
            self._window_messages += 1
            self.retried += settlement.settle is Settle.NAK
            self.rejected += len(settlement.publications) - len(settlement.answers)
            self._window_decisions += len(settlement.answers)
            self.decisions.update(answer["decision"] for answer in settlement.answers)

    @property
    def decided(self) -> int:
        return sum(self.decisions.values())

    def report_line(self, window_s: float) -> str:
        """``2,310 msg/s, 2,310 decisions/s; approve 97.1% challenge 2.0% ...`` over the
        window since the previous line; the mix and the other counts are totals."""
        rate = self._window_messages / window_s if window_s > 0 else 0.0
        decision_rate = self._window_decisions / window_s if window_s > 0 else 0.0
        self._window_messages = self._window_decisions = 0
        total = self.decided or 1
        mix = " ".join(f"{name} {100 * count / total:.1f}%"
                       for name, count in sorted(self.decisions.items())) or "no decisions yet"
        return (f"{rate:,.0f} msg/s, {decision_rate:,.0f} decisions/s; {mix}; "
                f"total {self.decided:,} decided, {self.rejected:,} rejected, "
                f"{self.retried:,} retried")
