"""ISO 20022 credit transfers: pacs.008 (FI to FI) and pain.001 (customer initiation).

Every ``CdtTrfTxInf`` becomes one ``p2p_transfer`` on the ``bank_transfer`` channel. The message
may be a bare ``Document`` or sit in an envelope beside a Business Application Header. See
docs/formats/iso20022.md for the field mapping.
"""

from __future__ import annotations

from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.formats.iso20022._safe_xml import (
    MAX_XML_BYTES,
    find_document,
    parse_untrusted,
)
from paytrust.risk.formats.iso20022._schemas import Iso20022Schemas
from paytrust.risk.formats.iso20022._transfers import (
    SUPPORTED_MESSAGES,
    credit_transfers,
    message_kind,
)

__all__ = ["MAX_XML_BYTES", "SUPPORTED_MESSAGES", "Iso20022Schemas", "parse_iso20022"]


def parse_iso20022(body: bytes, *, schemas: Iso20022Schemas | None = None) -> list[Transaction]:
    """The credit transfers in ``body``, in document order.

    With ``schemas``, the ``Document`` is first validated against the XSD of its namespace when
    the catalogue has it. Raises only ``FormatError``.
    """
    document = find_document(parse_untrusted(body))
    kind = message_kind(document)
    if schemas is not None:
        schemas.validate(document)
    return credit_transfers(document, kind)
