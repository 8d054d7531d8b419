"""What the engine needs from a scoring model.

A model declares the feature names it was trained on (a subset of ``FEATURE_NAMES``, in its
own order); the engine builds each row from the features of the transaction — the same code
online and in replay — with ``None`` as NaN and booleans as 0/1. ``predict`` answers the
fraud probability of each row and, per row, each feature's contribution to the model's raw
output (log-odds for tree ensembles), which becomes the ``model:<feature>`` reasons.

Budget: a whole transaction is scored in well under a millisecond, so per-row attribution
must be cheap (precomputed per-leaf path attributions summed, not TreeSHAP per request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ModelOutput:
    probabilities: FloatArray  # shape (rows,)
    contributions: FloatArray  # shape (rows, len(feature_names))


@runtime_checkable
class ScoringModel(Protocol):
    @property
    def version(self) -> str: ...

    @property
    def feature_names(self) -> Sequence[str]: ...

    def predict(self, rows: FloatArray) -> ModelOutput:
        """``rows`` has shape (n, len(feature_names)); NaN marks a missing value."""
        ...


class ModelError(RuntimeError):
    """A model that cannot be used (bad file, feature names outside the vocabulary)."""
