"""Block/allow lists, high-risk jurisdictions and the fuzzy payee-name screen."""

from paytrust.risk.engine.lists.jurisdictions import load_high_risk_countries
from paytrust.risk.engine.lists.name_screen import NameMatch, NameScreen, normalise_name
from paytrust.risk.engine.lists.snapshot import (
    LIST_FEATURE_NAMES,
    LIST_FLAG_NAMES,
    ListAction,
    ListEntry,
    ListError,
    ListKind,
    ListSnapshot,
    load_lists,
)

__all__ = [
    "LIST_FEATURE_NAMES",
    "LIST_FLAG_NAMES",
    "ListAction",
    "ListEntry",
    "ListError",
    "ListKind",
    "ListSnapshot",
    "NameMatch",
    "NameScreen",
    "load_high_risk_countries",
    "load_lists",
    "normalise_name",
]
