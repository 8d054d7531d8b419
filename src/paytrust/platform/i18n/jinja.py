"""Translation and formatting inside Jinja templates.

``t("key", name=...)`` (alias ``_``) and the ``datetime``/``date``/``number``/``money`` filters
read the ``locale`` variable of the rendering context, so templates never pass it around.
Import macro files ``with context`` so the macros see it too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from paytrust.platform.i18n.catalogues import FALLBACK_LOCALE, LOCALE_NAMES, LOCALES, translate
from paytrust.platform.i18n.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_number,
)


def _locale(context: Context) -> str:
    return str(context.get("locale") or FALLBACK_LOCALE)


@pass_context
def _translate(context: Context, key: str, **params: Any) -> str:
    return translate(_locale(context), key, **params)


@pass_context
def _datetime_filter(context: Context, value: datetime, style: str = "medium") -> str:
    return format_datetime(_locale(context), value, style=style)


@pass_context
def _date_filter(context: Context, value: date, style: str = "medium") -> str:
    return format_date(_locale(context), value, style=style)


@pass_context
def _number_filter(context: Context, value: int | Decimal) -> str:
    return format_number(_locale(context), value)


@pass_context
def _money_filter(context: Context, amount: Decimal, currency: str) -> str:
    return format_money(_locale(context), amount, currency)


def install_i18n(environment: Environment) -> None:
    environment.globals.update(t=_translate, _=_translate, LOCALES=LOCALES,
                               LOCALE_NAMES=LOCALE_NAMES)
    environment.filters.update(datetime=_datetime_filter, date=_date_filter,
                               number=_number_filter, money=_money_filter)
