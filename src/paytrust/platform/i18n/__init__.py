"""Message catalogues (``en``, ``zh_Hans``, ``zh_Hant``), locale negotiation and formatting.

User-visible text is looked up by a stable message id (``"auth.sign_in.title"``) in gettext
``.po`` catalogues under ``locales/``, which translators edit with any PO editor; they are read
at start-up, no compile step. Templates call ``t("key", name=...)`` (see :mod:`.jinja`).
"""

from paytrust.platform.i18n.catalogues import (
    FALLBACK_LOCALE,
    LOCALE_NAMES,
    LOCALES,
    catalogue,
    translate,
)
from paytrust.platform.i18n.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_number,
)
from paytrust.platform.i18n.negotiation import (
    locale_from_accept_language,
    negotiate_locale,
    normalize_locale,
)

__all__ = [
    "FALLBACK_LOCALE",
    "LOCALES",
    "LOCALE_NAMES",
    "catalogue",
    "format_date",
    "format_datetime",
    "format_money",
    "format_number",
    "locale_from_accept_language",
    "negotiate_locale",
    "normalize_locale",
    "translate",
]
