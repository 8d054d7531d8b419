"""Print the feature documentation table (docs/risk/features.md)."""

from paytrust.risk.engine.features.vocabulary import render_markdown

print(render_markdown(), end="")
