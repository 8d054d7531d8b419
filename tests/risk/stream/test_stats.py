"""The worker's counters and its one-line report."""

from __future__ import annotations

from paytrust.risk.stream import Publication, Settle, Settlement, WorkerStats


def _answered(*decisions: str) -> Settlement:
    answers = tuple({"transaction_id": f"t{i}", "decision": d} for i, d in enumerate(decisions))
    publications = tuple(Publication("s", b"", f"m{i}") for i in range(len(answers)))
    return Settlement(Settle.ACK, publications, answers)


def test_report_gives_the_window_rate_and_the_decision_mix() -> None:
    stats = WorkerStats()
    stats.count([_answered("approve", "approve", "approve", "block"),
                 Settlement(Settle.TERM, (Publication("rejected", b"", "r"),)),
                 Settlement(Settle.NAK)])
    line = stats.report_line(window_s=2.0)
    assert line.startswith("2 msg/s, 2 decisions/s; approve 75.0% block 25.0%;")
    assert line.endswith("total 4 decided, 1 rejected, 1 retried")


def test_the_rate_covers_only_the_window_since_the_previous_report() -> None:
    stats = WorkerStats()
    stats.count([_answered("approve")] * 10)
    stats.report_line(window_s=1.0)
    stats.count([_answered("review")])
    assert stats.report_line(window_s=1.0).startswith("1 msg/s, 1 decisions/s;")
    assert stats.messages == 11
