"""Features of a transaction from entity state: one code path for live scoring and replay."""

from paytrust.risk.engine.features.compute import Features, compute_features, state_keys
from paytrust.risk.engine.features.vocabulary import (
    FEATURE_NAMES,
    SPECS,
    STATE_FEATURE_NAMES,
    VOCABULARY,
    FeatureSpec,
    FieldType,
)

__all__ = [
    "FEATURE_NAMES",
    "SPECS",
    "STATE_FEATURE_NAMES",
    "VOCABULARY",
    "FeatureSpec",
    "Features",
    "FieldType",
    "compute_features",
    "state_keys",
]
