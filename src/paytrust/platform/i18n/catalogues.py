"""Loading the ``.po`` catalogues and looking messages up."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel.messages.pofile import read_po

LOCALES: tuple[str, ...] = ("en", "zh_Hans", "zh_Hant")
FALLBACK_LOCALE = "en"
# Each language is offered under its own name (an autonym), whatever the page's language is.
LOCALE_NAMES: Mapping[str, str] = MappingProxyType(
    {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}
)
CATALOGUE_DIR = Path(__file__).parent / "locales"


@cache
def catalogue(locale: str) -> Mapping[str, str]:
    """The messages of ``locale`` (message id -> text), read once per process."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    with (CATALOGUE_DIR / f"{locale}.po").open("rb") as po_file:
        parsed = read_po(po_file, abort_invalid=True)
    messages: dict[str, str] = {}
    for message in parsed:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            messages[message.id] = message.string
    return MappingProxyType(messages)


def translate(locale: str, key: str, **params: Any) -> str:
    """The text of message ``key`` in ``locale`` with ``{name}`` placeholders filled in.

    Falls back to English, then to the key itself, so a missing message shows up on the page
    (and the catalogue test names it) instead of breaking it.
    """
    text = catalogue(locale if locale in LOCALES else FALLBACK_LOCALE).get(key) or catalogue(
        FALLBACK_LOCALE
    ).get(key, key)
    return text.format(**params) if params else text
