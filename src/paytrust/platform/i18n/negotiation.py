"""Which language a request is answered in.

Order: the signed-in user's preference, the ``paytrust_locale`` cookie, the browser's
``Accept-Language``, the configured default. Browser tags are mapped onto our three catalogues:
``zh-CN``/``zh-SG``/``zh-Hans``/bare ``zh`` read Simplified, ``zh-TW``/``zh-HK``/``zh-MO``/
``zh-Hant`` read Traditional.
"""

from __future__ import annotations

from paytrust.platform.i18n.catalogues import FALLBACK_LOCALE, LOCALES

_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})


def normalize_locale(tag: str | None) -> str | None:
    """One of :data:`LOCALES` for a language tag (``zh-TW``, ``zh_Hant``, ``en-GB``), or None."""
    if not tag:
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    subtags = set(parts[1:])
    if "hant" in subtags:
        return "zh_Hant"
    if "hans" in subtags:
        return "zh_Hans"
    return "zh_Hant" if subtags & _TRADITIONAL_REGIONS else "zh_Hans"


def _weighted_tags(header: str) -> list[tuple[float, int, str]]:
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            weighted.append((-weight, position, tag))
    return sorted(weighted)


def locale_from_accept_language(header: str | None) -> str | None:
    """The best of our locales for an ``Accept-Language`` header, by q-value then order."""
    if not header:
        return None
    for _, _, tag in _weighted_tags(header):
        locale = normalize_locale(tag)
        if locale is not None:
            return locale
    return None


def negotiate_locale(
    *,
    preference: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str | None,
) -> str:
    for candidate in (preference, cookie):
        if candidate in LOCALES:
            return str(candidate)
    return (
        locale_from_accept_language(accept_language)
        or normalize_locale(default)
        or FALLBACK_LOCALE
    )
