"""Which language a request is answered in."""

from __future__ import annotations

import pytest

from paytrust.platform.i18n import locale_from_accept_language, negotiate_locale, normalize_locale


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("en", "en"), ("en-GB", "en"), ("zh", "zh_Hans"), ("zh-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"), ("zh-Hans", "zh_Hans"), ("zh-Hans-HK", "zh_Hans"),
        ("zh_Hans", "zh_Hans"), ("zh-TW", "zh_Hant"), ("zh-HK", "zh_Hant"), ("zh-MO", "zh_Hant"),
        ("zh-Hant", "zh_Hant"), ("zh-hant-cn", "zh_Hant"), ("ZH-tw", "zh_Hant"),
        ("fr-FR", None), ("", None),
    ],
)
def test_browser_tags_map_onto_our_catalogues(tag: str, locale: str | None) -> None:
    assert normalize_locale(tag) == locale


def test_accept_language_is_read_by_quality_then_order() -> None:
    assert locale_from_accept_language("fr;q=1, zh-TW;q=0.8, en;q=0.9") == "en"
    assert locale_from_accept_language("de, zh-HK, en") == "zh_Hant"
    assert locale_from_accept_language("en;q=0, zh-CN;q=0.2") == "zh_Hans"
    assert locale_from_accept_language("fr, de") is None
    assert locale_from_accept_language("zh-TW;q=bogus, en") == "en"


def test_user_preference_wins_over_cookie_browser_and_default() -> None:
    chosen = negotiate_locale(preference="zh_Hant", cookie="zh_Hans", accept_language="en",
                              default="en")
    assert chosen == "zh_Hant"


def test_cookie_wins_over_browser_when_signed_out() -> None:
    assert negotiate_locale(preference=None, cookie="zh_Hans", accept_language="zh-TW",
                            default="en") == "zh_Hans"


def test_browser_then_default_when_nothing_was_chosen() -> None:
    assert negotiate_locale(preference=None, cookie="klingon", accept_language="zh-TW",
                            default="en") == "zh_Hant"
    assert negotiate_locale(preference=None, cookie=None, accept_language="fr",
                            default="zh-CN") == "zh_Hans"
    assert negotiate_locale(preference=None, cookie=None, accept_language=None,
                            default="xx") == "en"
