"""What the engine needs from a scoring model.

A model declares the feature names it was trained on (numbers and booleans of the
vocabulary, plus string features it encodes as categories), in its own order; the engine
builds each row from the features of the transaction — the same code online and in replay —
with ``None`` (and an unknown category) as NaN and booleans as 0/1. ``predict`` answers the
fraud probability of each row and, per row, each feature's contribution to the model's raw
output (log-odds for tree ensembles), which becomes the ``model:<feature>`` reasons.

Budget: a whole transaction is scored in well under a millisecond, so per-row attribution
must be cheap (precomputed per-leaf path attributions summed, not TreeSHAP per request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import nan
from operator import itemgetter
from typing import Any, Protocol, runtime_checkable

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class ModelOutput:
    probabilities: FloatArray  # shape (rows,)
    contributions: FloatArray  # shape (rows, len(feature_names))
    # The rows whose contributions were computed, when the model knows (else: nonzero rows).
    explained: list[int] | None = None


@runtime_checkable
class ScoringModel(Protocol):
    @property
    def version(self) -> str: ...

    @property
    def feature_names(self) -> Sequence[str]: ...

    @property
    def categories(self) -> Mapping[str, Mapping[str, float]]:
        """For each string feature the model uses: category -> the code it was trained on."""
        ...

    def predict(self, rows: FloatArray) -> ModelOutput:
        """``rows`` has shape (n, len(feature_names)); NaN marks a missing value."""
        ...


class ModelError(RuntimeError):
    """A model that cannot be used (bad file, feature names outside the vocabulary)."""


def feature_matrix(
    feature_names: Sequence[str], categories: Mapping[str, Mapping[str, float]],
    rows: Iterable[Mapping[str, object]],
) -> FloatArray:
    """The model's input matrix from feature rows by name — the one builder for training
    and for scoring (``InputAssembler`` reads the engine's positional rows the same way):
    ``None`` as NaN, booleans as 0/1, a string feature as its category code (an unseen
    category as NaN, which the trees route like a missing value)."""
    return _RowReader.of(feature_names, categories, None).matrix(rows)


@dataclass(frozen=True, slots=True)
class _RowReader:
    """Reads a model's inputs out of feature rows: mappings by name (``positions`` None),
    or sequences holding each name at ``positions[name]`` (the engine's rows)."""

    values: Callable[[Any], Any]  # one row's values (a tuple), in the model's order
    coded: tuple[tuple[int, Mapping[str, float]], ...]  # (input, category codes)

    @classmethod
    def of(cls, feature_names: Sequence[str], categories: Mapping[str, Mapping[str, float]],
           positions: Mapping[str, int] | None) -> _RowReader:
        keys = list(feature_names) if positions is None else [
            positions[name] for name in feature_names]
        values = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
        return cls(values, tuple((index, categories[name])
                                 for index, name in enumerate(feature_names)
                                 if name in categories))

    def matrix(self, rows: Iterable[Mapping[str, object]] | Iterable[Sequence[object]]
               ) -> FloatArray:
        values = self.values
        if not self.coded:
            return np.array([values(row) for row in rows], dtype=np.float64)
        matrix = [list(values(row)) for row in rows]
        for row_values in matrix:
            for index, code_of in self.coded:
                row_values[index] = code_of.get(row_values[index], nan)
        return np.array(matrix, dtype=np.float64)


class InputAssembler:
    """A model's input matrix from numeric feature columns (the compiled features' matrix)
    plus the feature rows (sequences, a name's value at ``positions[name]``) for the rest:
    the matrix ``feature_matrix`` builds from the rows, with the numeric columns gathered in
    one compiled step instead of read from Python objects."""

    def __init__(self, feature_names: Sequence[str],
                 categories: Mapping[str, Mapping[str, float]],
                 numeric_columns: Sequence[str], positions: Mapping[str, int]) -> None:
        position = {name: column for column, name in enumerate(numeric_columns)}
        self._width = len(feature_names)
        gathered = [target for target, name in enumerate(feature_names) if name in position]
        self._targets = np.array(gathered, dtype=np.intp)
        self._sources = np.array([position[feature_names[target]] for target in gathered],
                                 dtype=np.intp)
        rest = [target for target, name in enumerate(feature_names) if name not in position]
        self._rest_targets = np.array(rest, dtype=np.intp)
        rest_names = [feature_names[target] for target in rest]
        self._rest = _RowReader.of(rest_names, categories, positions) if rest else None

    def matrix(self, numeric: FloatArray, rows: Sequence[Sequence[object]]) -> FloatArray:
        out = np.empty((len(rows), self._width))
        rest = self._rest.matrix(rows) if self._rest else np.empty((len(rows), 0))
        _assemble(numeric, self._sources, self._targets, rest, self._rest_targets, out)
        return out


@numba.njit(cache=True, nogil=True)
def _assemble(numeric: FloatArray, sources: IndexArray, targets: IndexArray, rest: FloatArray,
              rest_targets: IndexArray, out: FloatArray) -> None:
    """One compiled pass instead of four numpy calls: single rows are the common case."""
    for row in range(out.shape[0]):
        for column in range(sources.shape[0]):
            out[row, targets[column]] = numeric[row, sources[column]]
        for column in range(rest_targets.shape[0]):
            out[row, rest_targets[column]] = rest[row, column]
