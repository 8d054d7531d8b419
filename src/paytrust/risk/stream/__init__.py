"""Stream mode: score transactions published on NATS JetStream.

``paytrust stream`` runs a ``ScoringWorker``: it fetches batches from the durable consumer
``paytrust-scorer`` on stream ``PAYTRUST_TRANSACTIONS``, scores them with the same runtime
as the HTTP route, waits until the decisions are recorded, publishes them on
``paytrust.decisions.<decision>`` (malformed messages on ``paytrust.rejected``) and only
then acknowledges. See docs/risk/stream.md.

``messages``, ``batch`` and ``stats`` import no NATS client; ``worker`` does.
"""

from paytrust.risk.stream.batch import BatchScorer
from paytrust.risk.stream.messages import (
    Delivery,
    Publication,
    Rejection,
    Settle,
    Settlement,
    StreamTopology,
)
from paytrust.risk.stream.stats import WorkerStats

__all__ = [
    "BatchScorer",
    "Delivery",
    "Publication",
    "Rejection",
    "Settle",
    "Settlement",
    "StreamTopology",
    "WorkerStats",
]
