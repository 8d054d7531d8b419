"""Invented personal and organisation names: Chinese, their pinyin and Cantonese spellings,
and Latin names. Nothing here is a real listed person."""

from __future__ import annotations

import numpy as np

# (hanzi, Mandarin pinyin, Cantonese romanisation) of common surnames and given-name parts.
SURNAMES: tuple[tuple[str, str, str], ...] = (
    ("王", "Wang", "Wong"),
    ("李", "Li", "Lee"),
    ("张", "Zhang", "Cheung"),
    ("刘", "Liu", "Lau"),
    ("陈", "Chen", "Chan"),
    ("杨", "Yang", "Yeung"),
    ("黄", "Huang", "Wong"),
    ("赵", "Zhao", "Chiu"),
    ("吴", "Wu", "Ng"),
    ("周", "Zhou", "Chow"),
    ("林", "Lin", "Lam"),
    ("何", "He", "Ho"),
)
GIVEN: tuple[tuple[str, str, str], ...] = (
    ("伟", "wei", "wai"),
    ("芳", "fang", "fong"),
    ("敏", "min", "man"),
    ("静", "jing", "ching"),
    ("强", "qiang", "keung"),
    ("磊", "lei", "lui"),
    ("洋", "yang", "yeung"),
    ("勇", "yong", "yung"),
    ("军", "jun", "kwan"),
    ("杰", "jie", "kit"),
    ("娟", "juan", "kuen"),
    ("涛", "tao", "to"),
    ("明", "ming", "ming"),
    ("超", "chao", "chiu"),
    ("秀", "xiu", "sau"),
    ("华", "hua", "wah"),
    ("国", "guo", "kwok"),
    ("建", "jian", "kin"),
    ("平", "ping", "ping"),
    ("志", "zhi", "chi"),
)
LATIN_FIRST: tuple[str, ...] = (
    "Adrian",
    "Boris",
    "Carmen",
    "Dmitri",
    "Elena",
    "Farid",
    "Goran",
    "Hana",
    "Ivo",
    "Jana",
    "Karim",
    "Lena",
    "Marek",
    "Nadia",
    "Omar",
    "Petra",
    "Rashid",
    "Sven",
    "Tariq",
    "Vera",
)
LATIN_LAST: tuple[str, ...] = (
    "Albescu",
    "Brankovic",
    "Castellan",
    "Dragomir",
    "Esterhaz",
    "Falkov",
    "Grigorian",
    "Halvorsen",
    "Ilyasov",
    "Jankovic",
    "Korvalen",
    "Lindqvist",
    "Moravek",
    "Novakor",
    "Ostrander",
    "Petrakis",
    "Quintero",
    "Rostami",
    "Sadikov",
    "Tarkanian",
)
ORGANISATION_WORDS: tuple[str, ...] = (
    "Golden",
    "Harbour",
    "Orient",
    "Summit",
    "Pacific",
    "Silk",
    "Jade",
    "Phoenix",
    "Lotus",
    "Meridian",
)
ORGANISATION_KINDS: tuple[str, ...] = (
    "Trading",
    "Logistics",
    "Holdings",
    "Shipping",
    "Import Export",
)


def chinese_name(rng: np.random.Generator) -> tuple[str, str, str]:
    """(hanzi, pinyin, Cantonese spelling) of one invented person."""
    surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
    parts = [GIVEN[int(i)] for i in rng.integers(len(GIVEN), size=int(rng.integers(1, 3)))]
    hanzi = surname[0] + "".join(p[0] for p in parts)
    pinyin = f"{surname[1]} {''.join(p[1] for p in parts).capitalize()}"
    cantonese = f"{surname[2]} {' '.join(p[2].capitalize() for p in parts)}"
    return hanzi, pinyin, cantonese


def latin_name(rng: np.random.Generator) -> str:
    first = LATIN_FIRST[int(rng.integers(len(LATIN_FIRST)))]
    last = LATIN_LAST[int(rng.integers(len(LATIN_LAST)))]
    return f"{first} {last}"


def organisation_name(rng: np.random.Generator) -> str:
    word = ORGANISATION_WORDS[int(rng.integers(len(ORGANISATION_WORDS)))]
    kind = ORGANISATION_KINDS[int(rng.integers(len(ORGANISATION_KINDS)))]
    return f"{word} {kind} Co., Ltd."


def near_miss(name: str, rng: np.random.Generator) -> str:
    """A spelling a screening system should still catch: a dropped or doubled letter, swapped
    name order, or hyphenation — the evasions seen in practice."""
    words = name.split()
    choice = int(rng.integers(4))
    if choice == 0 and len(words) >= 2:
        return " ".join(reversed(words))
    if choice == 1 and len(words[-1]) > 4:
        last = words[-1]
        cut = int(rng.integers(1, len(last) - 1))
        return " ".join([*words[:-1], last[:cut] + last[cut + 1 :]])
    if choice == 2:
        last = words[-1]
        cut = int(rng.integers(1, len(last)))
        return " ".join([*words[:-1], last[:cut] + last[cut - 1] + last[cut:]])
    return "-".join(words) if len(words) >= 2 else name.upper()
