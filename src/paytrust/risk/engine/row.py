"""The feature row: every name of the vocabulary at a fixed position.

Scoring a transaction builds one list — its own features, its entities' state features (the
compiled kernel's columns, in their order), the list hits, the model score — rather than a
dict of some hundred names: concatenating lists costs a fraction of inserting the names one
by one, and the compiled rules read their values by position (``CompiledRuleSet.on_rows``).
``FeatureRow`` presents a row as the mapping of names it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from paytrust.risk.engine.features import VOCABULARY, kernel
from paytrust.risk.engine.features.compute import TRANSACTION_FEATURE_NAMES
from paytrust.risk.engine.lists import LIST_FEATURE_NAMES

ROW_NAMES: tuple[str, ...] = (*TRANSACTION_FEATURE_NAMES, *kernel.FEATURES, *LIST_FEATURE_NAMES,
                              "model.score")
ROW_INDEX: Mapping[str, int] = MappingProxyType({name: i for i, name in enumerate(ROW_NAMES)})
MODEL_SCORE = ROW_INDEX["model.score"]
LIST_START = ROW_INDEX[LIST_FEATURE_NAMES[0]]

if len(ROW_INDEX) != len(ROW_NAMES) or set(ROW_NAMES) != set(VOCABULARY):
    raise RuntimeError("the feature row must hold each name of the vocabulary once: "
                       f"{sorted(set(ROW_NAMES) ^ set(VOCABULARY))}")


class FeatureRow(Mapping[str, object]):
    """A transaction's features by name, read from its ``row`` (values in ``ROW_NAMES``
    order)."""

    __slots__ = ("row",)

    def __init__(self, row: list[object]) -> None:
        self.row = row

    def __getitem__(self, name: str) -> object:
        return self.row[ROW_INDEX[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(ROW_NAMES)

    def __len__(self) -> int:
        return len(ROW_NAMES)

    def __repr__(self) -> str:
        return f"FeatureRow({self.as_dict()!r})"

    def as_dict(self) -> dict[str, object]:
        return dict(zip(ROW_NAMES, self.row, strict=True))

    @classmethod
    def of(cls, features: Mapping[str, object]) -> FeatureRow:
        """The row of a mapping of features (a name it lacks is null)."""
        return cls([features.get(name) for name in ROW_NAMES])
