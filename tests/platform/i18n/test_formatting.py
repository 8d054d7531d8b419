"""Dates, numbers and money in each locale's conventions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from paytrust.platform.i18n import format_date, format_datetime, format_money, format_number

MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_dates_follow_the_locale() -> None:
    assert format_date("en", MOMENT) == "Mar 4, 2026"
    assert format_date("zh_Hans", MOMENT) == "2026年3月4日"
    assert format_date("zh_Hant", MOMENT) == "2026年3月4日"


def test_datetimes_are_shown_in_the_requested_zone() -> None:
    assert "5:06:07" in format_datetime("en", MOMENT)
    beijing = timezone(timedelta(hours=8))
    assert "13:06:07" in format_datetime("zh_Hans", MOMENT, zone=beijing)


def test_numbers_and_money_use_grouping_and_currency_signs() -> None:
    assert format_number("en", 1234567) == "1,234,567"
    assert format_number("zh_Hans", Decimal("1234.5")) == "1,234.5"
    assert format_money("zh_Hans", Decimal("1234.5"), "CNY") == "¥1,234.50"
    assert format_money("en", Decimal("1500"), "JPY") == "¥1,500"
