"""Traditional Chinese from Simplified, for text that is only written in Simplified.

The engine writes rule descriptions and reason messages in English and Simplified Chinese;
readers of ``zh_Hant`` get them converted character by character with OpenCC's Taiwan
standard table (``s2tw``: 规则→規則, 审核→審核, 设备→設備), which leaves wording alone and so
never turns a risk term into a regional synonym.
"""

from __future__ import annotations

from functools import cache

from opencc import OpenCC


@cache
def _converter() -> OpenCC:
    return OpenCC("s2tw")


def to_traditional(simplified: str) -> str:
    return str(_converter().convert(simplified))


def chinese_in(locale: str, simplified: str) -> str:
    """``simplified`` as a reader of ``locale`` (``zh_Hans`` or ``zh_Hant``) writes it."""
    return to_traditional(simplified) if locale == "zh_Hant" else simplified
