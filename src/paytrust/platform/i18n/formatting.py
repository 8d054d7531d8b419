"""Dates, numbers and money written the way each locale's readers expect (Babel CLDR data).

Values are stored in UTC; they are shown in ``zone`` (UTC until users carry a time zone).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache

from babel import Locale, dates, numbers

from paytrust.platform.i18n.catalogues import FALLBACK_LOCALE, LOCALES


@cache
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale if locale in LOCALES else FALLBACK_LOCALE)


def format_datetime(
    locale: str, value: datetime, *, style: str = "medium", zone: tzinfo = UTC
) -> str:
    return dates.format_datetime(value, style, tzinfo=zone, locale=_babel_locale(locale))


def format_date(locale: str, value: date | datetime, *, style: str = "medium") -> str:
    return dates.format_date(value, style, locale=_babel_locale(locale))


def format_number(locale: str, value: int | Decimal) -> str:
    return numbers.format_decimal(value, locale=_babel_locale(locale))


def format_money(locale: str, amount: Decimal, currency: str) -> str:
    """``amount`` in major units (a ``Decimal``, never a float) with its currency sign."""
    return numbers.format_currency(amount, currency, locale=_babel_locale(locale))
