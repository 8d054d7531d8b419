"""A LightGBM tree ensemble evaluated by compiled code: leaves, score and attributions in
one call.

LightGBM's own predictor costs tens of microseconds per call in its Python wrapper before
it walks a single tree; walking 200 trees of a few levels is a few microseconds. So the
trees are flattened into arrays once, when a model loads (``Forest.from_dump``), and walked
by a numba loop that reproduces LightGBM's decisions exactly (``tree.h``):

* a value within ±1e-35f of zero is read as 0 (LightGBM's row reader drops it as sparse);
* numerical split: NaN counts as 0 unless the split's missing type is NaN; a missing value
  (NaN for type NaN, 0 for type Zero) follows ``default_left``; otherwise
  ``x <= threshold`` goes left;
* categorical split: NaN and negative values go right; otherwise the category (truncated to
  an integer) goes left when it is in the split's set.

Differential tests compare leaves and raw scores with LightGBM's on random rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import exp, isnan
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_DEFAULT_LEFT, _MISSING_ZERO, _MISSING_NAN, _CATEGORICAL = 1, 2, 4, 8
_MISSING_TYPES = {"None": 0, "Zero": _MISSING_ZERO, "NaN": _MISSING_NAN}
# LightGBM's kZeroThreshold is the float literal 1e-35f widened to a double.
_ZERO_THRESHOLD = 1.0000000180025095e-35


@dataclass(frozen=True, slots=True)
class Forest:
    """Every tree's nodes in flat arrays. A child is a node number, or ``-1 - leaf`` for a
    leaf (global leaf numbers, tree after tree). ``roots`` is each tree's root, in the same
    encoding (a one-leaf tree's root is its leaf)."""

    feature: IntArray
    threshold: FloatArray
    flags: IntArray  # _DEFAULT_LEFT | missing type | _CATEGORICAL
    left: IntArray
    right: IntArray
    category_start: IntArray  # a categorical node's categories: category_values[start:end]
    category_end: IntArray
    category_values: IntArray
    roots: IntArray
    first_leaves: IntArray  # each tree's first global leaf number
    leaf_values: FloatArray  # per global leaf
    leaf_credits: FloatArray  # per global leaf and feature: the leaf's path attributions
    bias: float  # the raw score before any split (the roots' values summed)

    @classmethod
    def from_dump(cls, dump: Mapping[str, Any], feature_count: int) -> Forest:
        """From ``Booster.dump_model()``."""
        builder = _Builder(feature_count)
        roots = [builder.add(tree["tree_structure"]) for tree in dump["tree_info"]]
        return cls(
            feature=np.array(builder.feature, dtype=np.int64),
            threshold=np.array(builder.threshold, dtype=np.float64),
            flags=np.array(builder.flags, dtype=np.int64),
            left=np.array(builder.left, dtype=np.int64),
            right=np.array(builder.right, dtype=np.int64),
            category_start=np.array(builder.category_start, dtype=np.int64),
            category_end=np.array(builder.category_end, dtype=np.int64),
            category_values=np.array(builder.category_values, dtype=np.int64),
            roots=np.array(roots, dtype=np.int64),
            first_leaves=np.array(builder.first_leaves, dtype=np.int64),
            leaf_values=np.array(builder.leaf_values, dtype=np.float64),
            leaf_credits=np.array(builder.leaf_credits, dtype=np.float64).reshape(
                len(builder.leaf_values), feature_count),
            bias=builder.bias,
        )

    def predict(self, rows: FloatArray, explain_from: float
                ) -> tuple[FloatArray, FloatArray, list[int]]:
        """Probabilities (sigmoid of the raw score); for rows at or above ``explain_from``,
        each feature's contribution to the raw score (zeros otherwise); those rows."""
        probabilities = np.empty(len(rows))
        contributions = np.zeros((len(rows), self.leaf_credits.shape[1]))
        explained = np.empty(len(rows), dtype=np.int64)
        count = _predict(rows, self.feature, self.threshold, self.flags, self.left, self.right,
                         self.category_start, self.category_end, self.category_values,
                         self.roots, self.leaf_values, self.leaf_credits, explain_from,
                         probabilities, contributions, explained)
        return probabilities, contributions, explained[:count].tolist()

    def leaves(self, rows: FloatArray) -> IntArray:
        """Global leaf numbers, shape (rows, trees): what the differential tests compare."""
        out = np.empty((len(rows), len(self.roots)), dtype=np.int64)
        _leaves(rows, self.feature, self.threshold, self.flags, self.left, self.right,
                self.category_start, self.category_end, self.category_values, self.roots, out)
        return out


class _Builder:
    def __init__(self, feature_count: int) -> None:
        self.feature_count = feature_count
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.flags: list[int] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.category_start: list[int] = []
        self.category_end: list[int] = []
        self.category_values: list[int] = []
        self.leaf_values: list[float] = []
        self.leaf_credits: list[FloatArray] = []
        self.first_leaves: list[int] = []
        self.bias = 0.0

    def add(self, root: Mapping[str, Any]) -> int:
        """Add one tree; returns its root reference."""
        self.first_leaves.append(len(self.leaf_values))
        leaf_count = _count_leaves(root)
        self.leaf_values.extend([0.0] * leaf_count)
        self.leaf_credits.extend([np.zeros(self.feature_count)] * leaf_count)
        value = float(root.get("internal_value", root.get("leaf_value", 0.0)))
        self.bias += value
        return self._node(root, value, np.zeros(self.feature_count))

    def _node(self, node: Mapping[str, Any], value: float, credit: FloatArray) -> int:
        """Saabas attributions on the way down: each split moves the node value from the
        parent's to the child's, and that move is credited to the split's feature."""
        if "leaf_value" in node:
            leaf = self.first_leaves[-1] + int(node.get("leaf_index", 0))
            self.leaf_values[leaf] = float(node["leaf_value"])
            self.leaf_credits[leaf] = credit
            return -1 - leaf
        number = len(self.feature)
        feature = int(node["split_feature"])
        self.feature.append(feature)
        self.left.append(0)
        self.right.append(0)
        flags = _MISSING_TYPES[node.get("missing_type", "None")]
        flags |= _DEFAULT_LEFT if node.get("default_left") else 0
        start = len(self.category_values)
        if node["decision_type"] == "==":
            flags |= _CATEGORICAL
            self.category_values.extend(int(c) for c in str(node["threshold"]).split("||"))
            self.threshold.append(0.0)
        else:
            self.threshold.append(float(node["threshold"]))
        self.flags.append(flags)
        self.category_start.append(start)
        self.category_end.append(len(self.category_values))
        for side, child in (("left", node["left_child"]), ("right", node["right_child"])):
            child_value = float(child.get("internal_value", child.get("leaf_value")))
            child_credit = credit.copy()
            child_credit[feature] += child_value - value
            getattr(self, side)[number] = self._node(child, child_value, child_credit)
        return number


def _count_leaves(node: Mapping[str, Any]) -> int:
    if "leaf_value" in node:
        return 1
    return _count_leaves(node["left_child"]) + _count_leaves(node["right_child"])


def _compiled(function: Any) -> Any:
    return cast(Any, numba.njit(cache=True, nogil=True)(function))


@_compiled
def _leaf(row: FloatArray, node: int, feature: IntArray, threshold: FloatArray,
          flags: IntArray, left: IntArray, right: IntArray, category_start: IntArray,
          category_end: IntArray, category_values: IntArray) -> int:
    """Walk from ``node`` to a leaf; returns the global leaf number."""
    while node >= 0:
        value = row[feature[node]]
        if abs(value) <= _ZERO_THRESHOLD:  # false for NaN
            value = 0.0
        node_flags = flags[node]
        if node_flags & _CATEGORICAL:
            go_left = False
            if not isnan(value):
                category = int(value)  # truncated, as C++ does: -0.5 is category 0
                if category >= 0:
                    for position in range(category_start[node], category_end[node]):
                        if category_values[position] == category:
                            go_left = True
                            break
        else:
            if isnan(value) and not node_flags & _MISSING_NAN:
                value = 0.0
            if (node_flags & _MISSING_ZERO and value == 0.0) or (
                node_flags & _MISSING_NAN and isnan(value)
            ):
                go_left = node_flags & _DEFAULT_LEFT != 0
            else:
                go_left = value <= threshold[node]
        node = left[node] if go_left else right[node]
    return -1 - node


@_compiled
def _leaves(rows: FloatArray, feature: IntArray, threshold: FloatArray, flags: IntArray,
            left: IntArray, right: IntArray, category_start: IntArray, category_end: IntArray,
            category_values: IntArray, roots: IntArray, out: IntArray) -> None:
    for row in range(rows.shape[0]):
        for tree in range(roots.shape[0]):
            out[row, tree] = _leaf(rows[row], roots[tree], feature, threshold, flags, left,
                                   right, category_start, category_end, category_values)


@_compiled
def _predict(rows: FloatArray, feature: IntArray, threshold: FloatArray, flags: IntArray,
             left: IntArray, right: IntArray, category_start: IntArray,
             category_end: IntArray, category_values: IntArray, roots: IntArray,
             leaf_values: FloatArray, leaf_credits: FloatArray, explain_from: float,
             probabilities: FloatArray, contributions: FloatArray, explained: IntArray) -> int:
    leaves = np.empty(roots.shape[0], dtype=np.int64)
    count = 0
    for row in range(rows.shape[0]):
        raw = 0.0
        for tree in range(roots.shape[0]):
            leaf = _leaf(rows[row], roots[tree], feature, threshold, flags, left, right,
                         category_start, category_end, category_values)
            leaves[tree] = leaf
            raw += leaf_values[leaf]
        probability = 1.0 / (1.0 + exp(-raw))
        probabilities[row] = probability
        if probability >= explain_from:
            for tree in range(roots.shape[0]):
                contributions[row] += leaf_credits[leaves[tree]]
            explained[count] = row
            count += 1
    return count
