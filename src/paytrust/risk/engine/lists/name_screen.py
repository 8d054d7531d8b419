"""Fuzzy screening of payee names against a watchlist (sanctioned or otherwise watched names).

Names are normalised before comparison: case and accents folded, punctuation dropped,
honorifics and particles (al-, bin, van) removed, tokens sorted (so "Li Wei" equals
"Wei Li"), and common transliteration variants folded (ph/f, q/k, w/v, y/i, kh/h, hard
c/k, doubled letters). A second, consonant-skeleton form ("Mohammed", "Muhammad" ->
"mhmd") catches vowel variants of transliterated names.
Similarity is the Dice coefficient of character n-grams (trigrams for Latin, bigrams for
Chinese), looked up through an inverted index; results are memoised per name because payee
names repeat heavily. Chinese-to-pinyin matching is not attempted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

# Honorifics and name particles carry no identity and are written inconsistently.
_DROPPED: Final = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "sheikh", "haji", "al",
                             "el", "ul", "bin", "ibn", "bint", "van", "von", "de", "da", "di"})
_HARD_C: Final = re.compile(r"c(?=[aoulrt]|$)")
_FOLDS: Final = (("ph", "f"), ("ck", "k"), ("q", "k"), ("w", "v"), ("y", "i"), ("kh", "h"),
                 ("gh", "g"), ("dh", "d"), ("th", "t"), ("ou", "u"), ("oo", "u"), ("ee", "i"),
                 ("x", "ks"), ("ß", "ss"))
_VOWELS: Final = frozenset("aeiou")
_SKELETON_DISCOUNT: Final = 0.9  # a consonant-only match is weaker evidence than a full one
_MEMO_LIMIT: Final = 65_536


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _fold_token(token: str) -> str:
    if _is_cjk(token[0]):
        return token
    for variant, canonical in _FOLDS:
        token = token.replace(variant, canonical)
    token = _HARD_C.sub("k", token)
    collapsed = [token[0]]
    for char in token[1:]:
        if char != collapsed[-1]:
            collapsed.append(char)
    return "".join(collapsed)


def normalise_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = [
        char if char.isalnum() else " "
        for char in decomposed
        if not unicodedata.combining(char)
    ]
    tokens = [
        _fold_token(token) for token in "".join(kept).split() if token not in _DROPPED
    ]
    return " ".join(sorted(tokens))


def skeleton(normalised: str) -> str:
    """Each token's first letter, then its consonants."""
    return " ".join(
        token[0] + "".join(c for c in token[1:] if c not in _VOWELS)
        for token in normalised.split()
    )


def ngrams(text: str) -> frozenset[str]:
    if not text:
        return frozenset()
    size = 2 if any(_is_cjk(char) for char in text) else 3
    padded = f" {text} "
    return frozenset(padded[i : i + size] for i in range(len(padded) - size + 1))


@dataclass(frozen=True, slots=True)
class NameMatch:
    score: float  # 0..1
    entry: str | None  # the watchlist name as listed


class _GramIndex:
    def __init__(self, forms: list[str]) -> None:
        self.sizes: list[int] = []
        self.postings: dict[str, list[int]] = {}
        for entry_id, form in enumerate(forms):
            grams = ngrams(form)
            self.sizes.append(len(grams))
            for gram in grams:
                self.postings.setdefault(gram, []).append(entry_id)

    def best(self, form: str) -> tuple[float, int]:
        grams = ngrams(form)
        if not grams:
            return 0.0, -1
        shared: dict[int, int] = {}
        for gram in grams:
            for entry_id in self.postings.get(gram, ()):
                shared[entry_id] = shared.get(entry_id, 0) + 1
        best_score, best_id = 0.0, -1
        query_size = len(grams)
        sizes = self.sizes
        for entry_id, count in shared.items():
            score = 2.0 * count / (query_size + sizes[entry_id])
            if score > best_score:
                best_score, best_id = score, entry_id
        return best_score, best_id


class NameScreen:
    """An immutable watchlist index; ``match`` is memoised and safe to share."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = [name for name in dict.fromkeys(names) if normalise_name(name)]
        forms = [normalise_name(name) for name in self._names]
        self._full = _GramIndex(forms)
        self._skeleton = _GramIndex([skeleton(form) for form in forms])
        self._memo: dict[str, NameMatch] = {}

    def __len__(self) -> int:
        return len(self._names)

    def match(self, name: str) -> NameMatch:
        found = self._memo.get(name)
        if found is None:
            found = self._match(name)
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[name] = found
        return found

    def _match(self, name: str) -> NameMatch:
        if not self._names:
            return NameMatch(0.0, None)
        form = normalise_name(name)
        full_score, full_id = self._full.best(form)
        skeleton_score, skeleton_id = self._skeleton.best(skeleton(form))
        skeleton_score *= _SKELETON_DISCOUNT
        score, entry_id = max((full_score, full_id), (skeleton_score, skeleton_id))
        return NameMatch(round(score, 4), self._names[entry_id] if entry_id >= 0 else None)
