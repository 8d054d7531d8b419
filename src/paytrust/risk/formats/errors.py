"""The one error every input-format parser raises on bad input.

``FormatError`` subclasses ``ValueError`` so pydantic validators may raise it and keep its
message. It deliberately does not subclass ``platform.errors.DomainError``: the parsers must not
import the web stack. The scoring route maps it to a problem response naming ``field``:
``code`` selects the problem type (and so the HTTP status) without the parsers knowing HTTP.
"""

from __future__ import annotations

__all__ = ["FieldProblem", "FormatError", "OversizedPayload", "UnsupportedFormat"]

FieldProblem = tuple[str, str]  # (field path, message)


class FormatError(ValueError):
    """Input that cannot become a transaction. ``field`` names where, in the input's own terms
    (``transactions[3].amount``, ``CdtTrfTxInf[1]/IntrBkSttlmAmt/@Ccy``, ``DE4``)."""

    code = "invalid-transaction"

    def __init__(
        self, field: str, message: str, *, problems: tuple[FieldProblem, ...] = ()
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        # Every problem found when a parser can report several at once; the first is ``field``.
        self.problems: tuple[FieldProblem, ...] = problems or ((field, message),)


class UnsupportedFormat(FormatError):
    """The media type (or the message kind inside it) is not one PayTrust scores."""

    code = "unsupported-media-type"


class OversizedPayload(FormatError):
    """The body exceeds the bound the parser accepts before reading it."""

    code = "payload-too-large"
