from __future__ import annotations

from pathlib import Path

from paytrust.risk.engine.features import FEATURE_NAMES, SPECS, VOCABULARY, FieldType
from paytrust.risk.engine.features.vocabulary import render_markdown

DOC = Path(__file__).parents[3] / "docs" / "risk" / "features.md"
NAMESPACES = {"txn", "customer", "account", "device", "ip", "payee", "merchant", "list", "model"}


def test_every_name_lives_in_a_known_namespace_and_is_documented_in_both_languages() -> None:
    for name, spec in SPECS.items():
        assert name.split(".")[0] in NAMESPACES
        assert spec.en
        assert spec.zh


def test_the_model_vector_is_numeric_and_excludes_lists_and_the_model_itself() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for name in FEATURE_NAMES:
        assert VOCABULARY[name] in (FieldType.NUMBER, FieldType.BOOL)
        assert not name.startswith(("list.", "model."))


def test_the_feature_doc_is_generated_from_the_vocabulary() -> None:
    assert DOC.read_text("utf-8") == render_markdown(), (
        "regenerate: PYTHONPATH=src python -m paytrust.risk.engine.features > " + str(DOC)
    )
