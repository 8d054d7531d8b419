"""Errors of the rule language: every one carries a stable code and a position."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleError:
    """One problem in a rule set document.

    ``line`` and ``column`` are 1-based and point into the document the rule set was read
    from. For a ``RuleSet`` built in code (no document) they point into the rule's
    ``when`` expression text. ``rule_id`` is ``None`` for problems outside any rule.
    ``code`` is a stable kebab-case identifier (``unknown-name``, ``type-mismatch`` ...)
    that consoles may translate.
    """

    rule_id: str | None
    line: int
    column: int
    message: str
    code: str

    def __str__(self) -> str:
        where = f"rule {self.rule_id}, " if self.rule_id else ""
        return f"{where}line {self.line}, column {self.column}: {self.message} [{self.code}]"


class RuleSetInvalid(ValueError):
    """A rule set document or rule set that cannot be used; ``errors`` lists every problem."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {error}" for error in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in rule set:\n{shown}{more}")


class ExpressionError(Exception):
    """A problem inside one expression; ``offset`` counts characters from its start."""

    def __init__(self, offset: int, message: str, code: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.code = code
