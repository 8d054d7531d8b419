"""Static engine configuration: base currency, FX table and the thresholds features use.

The FX table converts every accepted currency into the base currency (CNY) for sums and
amount features. It is deliberately static and coarse: features compare a customer with
their own history, so a rate that is a few percent off shifts every amount the same way.
Rates are "CNY per one major unit" as of mid-2024 (PBoC central parity / market mid,
rounded); replace them with the deployment's own daily table through ``EngineConfig``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS

BASE_CURRENCY = "CNY"

CNY_PER_MAJOR_UNIT: Mapping[str, float] = MappingProxyType({
    "CNY": 1.0, "HKD": 0.91, "TWD": 0.22, "MOP": 0.88, "SGD": 5.3, "MYR": 1.52, "THB": 0.197,
    "PHP": 0.124, "IDR": 0.00044, "VND": 0.00028, "KRW": 0.0052, "JPY": 0.046, "INR": 0.085,
    "USD": 7.1, "EUR": 7.7, "GBP": 9.0, "AUD": 4.7, "CAD": 5.2, "CHF": 8.0, "AED": 1.93,
    "KES": 0.055, "NGN": 0.0048, "BHD": 18.8, "KWD": 23.1,
})


def _fen_rates(per_major: Mapping[str, float]) -> dict[str, float]:
    """Fen (CNY minor units) per minor unit, so the hot path converts with one product."""
    return {
        code: rate * 100 / 10 ** CURRENCY_EXPONENTS[code] for code, rate in per_major.items()
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    """Knobs of the feature layer. Amount thresholds are in CNY major units."""

    cny_per_major_unit: Mapping[str, float] = field(default_factory=lambda: CNY_PER_MAJOR_UNIT)
    # Card testing: authorisations of a few yuan probe whether a stolen card works.
    small_amount_cny: float = 10.0
    # Structuring: amounts kept just below the large-value reporting threshold.
    reporting_threshold_cny: float = 50_000.0
    near_threshold_band: float = 0.1  # "just below" = within 10 % under the threshold
    # Amount z-score needs a little history before it means anything.
    min_history_for_zscore: int = 5
    # Consecutive geo points closer in time than this are treated as this far apart, so two
    # near-simultaneous points a street apart do not produce absurd speeds.
    min_geo_interval_s: float = 60.0
    fen_per_minor_unit: Mapping[str, float] = field(init=False)

    def __post_init__(self) -> None:
        missing = set(CURRENCY_EXPONENTS) - set(self.cny_per_major_unit)
        if missing:
            raise ValueError(f"FX table lacks accepted currencies: {sorted(missing)}")
        rates = _fen_rates(self.cny_per_major_unit)
        object.__setattr__(self, "fen_per_minor_unit", MappingProxyType(rates))


DEFAULT_CONFIG = EngineConfig()
