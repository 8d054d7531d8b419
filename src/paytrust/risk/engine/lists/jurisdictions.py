"""The shipped high-risk jurisdiction list (content/risk/high_risk_countries.yaml)."""

from __future__ import annotations

from importlib.resources import files

import yaml

from paytrust.risk.engine.lists.snapshot import ListError

_SECTIONS = ("call_for_action", "increased_monitoring")


def load_high_risk_countries(text: str | None = None) -> frozenset[str]:
    """ISO alpha-2 codes of every section; ``text`` overrides the shipped file."""
    if text is None:
        text = (files("paytrust") / "content/risk/high_risk_countries.yaml").read_text("utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or "source" not in document:
        raise ListError("high-risk country list: a mapping with a 'source' note is required")
    codes: set[str] = set()
    for section in _SECTIONS:
        for entry in document.get(section) or ():
            code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ListError(f"high-risk country list: bad entry {entry!r} in {section}")
            codes.add(code)
    return frozenset(codes)
