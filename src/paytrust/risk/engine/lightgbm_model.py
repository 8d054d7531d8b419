"""A LightGBM binary model behind the engine's ``ScoringModel`` protocol.

Reason codes need each feature's contribution to every score, and TreeSHAP costs about a
millisecond a row — more than the whole scoring budget. So attributions are Saabas path
attributions, precomputed once per leaf when the model loads: walking from a tree's root to
a leaf, each split moves the node value from the parent's to the child's, and that move is
credited to the split's feature. A leaf's vector of credits sums to its value minus the
root's, so a row's contributions are exact (they sum to its raw score minus the bias).
Scoring is one ``pred_leaf`` call: the raw score and the contributions are both sums over
the row's leaves of numbers computed at load time (contributions only for rows scoring at
least ``EXPLAIN_FROM``).

The serialised form (``to_text`` / ``from_text``) is a small JSON envelope — version,
feature order, category codes, a SHA-256 of the model — around LightGBM's own text model.
The checksum is checked before LightGBM parses the text: its parser aborts the whole process
on some malformed models, and a scoring process must refuse a damaged model, not die.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm
import numpy as np
import orjson
from lightgbm.basic import _InnerPredictor

from paytrust.risk.engine.model import FloatArray, ModelError, ModelOutput

_FORMAT = "paytrust-lightgbm/1"
# Attributions cost more than the prediction itself; most payments score near zero and are
# explained by that score alone, so only rows at or above this probability get them.
EXPLAIN_FROM = 0.05


class LightGBMScoringModel:
    def __init__(
        self,
        booster: lightgbm.Booster,
        version: str,
        feature_names: Sequence[str],
        categories: Mapping[str, Mapping[str, float]] | None = None,
        *,
        explain_from: float = EXPLAIN_FROM,
    ) -> None:
        if booster.num_feature() != len(feature_names):
            raise ModelError(f"model {version}: the booster has {booster.num_feature()} "
                             f"features, the envelope names {len(feature_names)}")
        self._booster = booster
        # Built once with one thread. ``Booster.predict`` builds a predictor per call (about
        # 10 µs) and uses the model's training threads: OpenMP fan-out costs more than it
        # saves on a few rows, and on a busy machine its spinning threads turned a 20 µs
        # prediction into milliseconds.
        self._predictor = _InnerPredictor.from_booster(booster, {"num_threads": 1})
        self.explain_from = explain_from
        self._version = version
        self._feature_names = tuple(feature_names)
        self._categories = {name: dict(codes) for name, codes in (categories or {}).items()}
        self._leaf_values, self._leaf_credits, self._offsets, self.bias = _leaf_tables(
            booster.dump_model(), len(self._feature_names))

    @property
    def version(self) -> str:
        return self._version

    @property
    def feature_names(self) -> Sequence[str]:
        return self._feature_names

    @property
    def categories(self) -> Mapping[str, Mapping[str, float]]:
        return self._categories

    @property
    def booster(self) -> lightgbm.Booster:
        return self._booster

    def predict(self, rows: FloatArray) -> ModelOutput:
        """Probabilities, and contributions for the rows worth explaining (the others'
        stay zero: their reason is the low score itself)."""
        leaves = self._leaves(rows)
        probabilities = 1.0 / (1.0 + np.exp(-self._leaf_values[leaves].sum(axis=1)))
        contributions = np.zeros((len(rows), len(self._feature_names)))
        for row in np.flatnonzero(probabilities >= self.explain_from):
            contributions[row] = self._leaf_credits[leaves[row]].sum(axis=0)
        return ModelOutput(probabilities, contributions)

    def _leaves(self, rows: FloatArray) -> np.ndarray[Any, np.dtype[np.intp]]:
        """Global leaf numbers, shape (rows, trees)."""
        per_tree = self._predictor.predict(rows, pred_leaf=True)
        return np.asarray(per_tree, dtype=np.intp) + self._offsets

    def to_text(self) -> str:
        model_text = self._booster.model_to_string()
        envelope = {
            "format": _FORMAT, "version": self._version,
            "feature_names": list(self._feature_names), "categories": self._categories,
            "sha256": _checksum(model_text), "lightgbm": model_text,
        }
        return orjson.dumps(envelope).decode()

    @classmethod
    def from_text(cls, text: str, version: str | None = None) -> LightGBMScoringModel:
        """Load a serialised model; ``version`` overrides the one it was saved with."""
        try:
            envelope = orjson.loads(text)
            if envelope.get("format") != _FORMAT:
                raise ModelError(f"not a PayTrust LightGBM model (format "
                                 f"{envelope.get('format')!r})")
            model_text = envelope["lightgbm"]
            if envelope.get("sha256") != _checksum(model_text):
                raise ModelError("the model text does not match its checksum: damaged")
            booster = lightgbm.Booster(model_str=model_text)
            return cls(booster, version or envelope["version"], envelope["feature_names"],
                       envelope.get("categories") or {})
        except ModelError:
            raise
        except (orjson.JSONDecodeError, lightgbm.basic.LightGBMError, KeyError, TypeError,
                AttributeError, ValueError) as error:
            raise ModelError(f"cannot load the model: {error}") from error


def _checksum(model_text: str) -> str:
    return hashlib.sha256(model_text.encode()).hexdigest()


def _leaf_tables(
    dump: Mapping[str, Any], feature_count: int
) -> tuple[FloatArray, FloatArray, np.ndarray[Any, np.dtype[np.intp]], float]:
    """Per global leaf: its value and its feature credits; each tree's first leaf number;
    the bias (sum of the roots' values)."""
    values: list[float] = []
    credits: list[FloatArray] = []
    offsets: list[int] = []
    bias = 0.0
    for tree in dump["tree_info"]:
        offsets.append(len(values))
        leaves: dict[int, tuple[float, FloatArray]] = {}
        root = tree["tree_structure"]
        root_value = float(root.get("internal_value", root.get("leaf_value", 0.0)))
        bias += root_value
        _walk(root, root_value, np.zeros(feature_count), leaves)
        for index in range(len(leaves)):
            value, credit = leaves[index]
            values.append(value)
            credits.append(credit)
    return (np.array(values), np.array(credits).reshape(len(values), feature_count),
            np.array(offsets, dtype=np.intp), bias)


def _walk(
    node: Mapping[str, Any], value: float, credit: FloatArray,
    leaves: dict[int, tuple[float, FloatArray]],
) -> None:
    if "leaf_value" in node:
        leaves[int(node.get("leaf_index", 0))] = (float(node["leaf_value"]), credit)
        return
    feature = int(node["split_feature"])
    for child in (node["left_child"], node["right_child"]):
        child_value = float(child.get("internal_value", child.get("leaf_value")))
        child_credit = credit.copy()
        child_credit[feature] += child_value - value
        _walk(child, child_value, child_credit, leaves)
