"""Parse untrusted XML without letting it reach the file system, the network or unbounded memory.

lxml is told to resolve no entities, load no DTD and touch no network, and keeps libxml2's
default depth and text-node limits (``huge_tree`` off). A document that declares a DTD at all
is refused: ISO 20022 messages never carry one, so a DOCTYPE is either a mistake or an attack
(external-entity reads, "billion laughs" expansion).
"""

from __future__ import annotations

import threading

from lxml import etree

from paytrust.risk.formats.errors import FormatError, OversizedPayload

MAX_XML_BYTES = 8 * 1024 * 1024  # 1,000 richly filled credit transfers stay well below this

ISO20022_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"

_parsers = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            load_dtd=False,
            dtd_validation=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _parsers.parser = parser
    return parser


def parse_untrusted(body: bytes) -> etree._Element:
    """The root element of ``body``; ``FormatError`` for anything malformed or unsafe."""
    if len(body) > MAX_XML_BYTES:
        raise OversizedPayload("body", f"XML body is larger than {MAX_XML_BYTES} bytes")
    if not body.strip():
        raise FormatError("body", "empty XML document")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        raise FormatError("body", f"not well-formed XML: {error.msg}") from None
    except ValueError as error:  # e.g. an encoding declaration lxml cannot honour
        raise FormatError("body", f"not parseable XML: {error}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise FormatError("body", "XML with a DOCTYPE is refused (no DTDs or entities allowed)")
    return root


def find_document(root: etree._Element) -> etree._Element:
    """The ISO 20022 ``Document``: the root itself, or wrapped in an envelope (a Business
    Application Header ``AppHdr`` beside it, inside any wrapper element)."""
    for element in root.iter(etree.Element):
        qname = etree.QName(element)
        if qname.localname == "Document" and (qname.namespace or "").startswith(
            ISO20022_NAMESPACE_PREFIX
        ):
            return element
    raise FormatError(
        "Document", f"no ISO 20022 Document element (namespace {ISO20022_NAMESPACE_PREFIX}...)"
    )
