"""A LightGBM binary model behind the engine's ``ScoringModel`` protocol.

Reason codes need each feature's contribution to every score, and TreeSHAP costs about a
millisecond a row — more than the whole scoring budget. So attributions are Saabas path
attributions, precomputed once per leaf when the model loads: walking from a tree's root to
a leaf, each split moves the node value from the parent's to the child's, and that move is
credited to the split's feature. A leaf's vector of credits sums to its value minus the
root's, so a row's contributions are exact (they sum to its raw score minus the bias).
Scoring walks the trees in compiled code (``forest.py``, checked leaf for leaf against
LightGBM): the raw score and the contributions are both sums over the row's leaves of
numbers computed at load time (contributions only for rows scoring at least
``EXPLAIN_FROM``). LightGBM itself trains, parses and serialises; it is not called to score.

The serialised form (``to_text`` / ``from_text``) is a small JSON envelope — version,
feature order, category codes, a SHA-256 of the model — around LightGBM's own text model.
The checksum is checked before LightGBM parses the text: its parser aborts the whole process
on some malformed models, and a scoring process must refuse a damaged model, not die.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import lightgbm
import orjson

from paytrust.risk.engine.forest import Forest
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
        self.explain_from = explain_from
        self._version = version
        self._feature_names = tuple(feature_names)
        self._categories = {name: dict(codes) for name, codes in (categories or {}).items()}
        self._forest = Forest.from_dump(booster.dump_model(), len(self._feature_names))
        self.bias = self._forest.bias

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
        return ModelOutput(*self._forest.predict(rows, self.explain_from))

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
