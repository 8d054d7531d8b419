"""Optional XSD validation against a deployment's own copy of the ISO 20022 schemas.

PayTrust does not ship the XSDs (they are the Registration Authority's files, not ours); a
deployment points ``Iso20022Schemas.from_directory`` at its folder. A message is validated when
the catalogue holds the schema of its exact namespace, and parsed leniently otherwise, so a
newer message version still scores before its schema is installed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any, cast

from lxml import etree

from paytrust.risk.formats.errors import FormatError

_CLARK = re.compile(r"\{[a-z]+:[^}]*\}")  # {namespace}Name in lxml's messages, not {'A', 'B'}
_MAX_REPORTED = 10


class Iso20022Schemas:
    """XSDs by target namespace, each compiled on first use (compiling one takes ~0.1 s)."""

    def __init__(self, files_by_namespace: dict[str, Path]) -> None:
        self._files = dict(files_by_namespace)
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_directory(cls, directory: Path) -> Iso20022Schemas:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        files: dict[str, Path] = {}
        for path in sorted(directory.glob("*.xsd")):
            namespace = etree.parse(str(path), parser).getroot().get("targetNamespace")
            if namespace:
                files[namespace] = path
        return cls(files)

    @property
    def namespaces(self) -> frozenset[str]:
        return frozenset(self._files)

    def validate(self, document: etree._Element) -> None:
        """Raise ``FormatError`` naming the first invalid element, if the schema is known."""
        schema = self._schema(etree.QName(document).namespace or "")
        if schema is None:
            return
        with self._lock:  # a schema's error_log belongs to its last validation
            if schema.validate(document):
                return
            problems = tuple(
                (_readable_path(document, entry.path), _CLARK.sub("", entry.message))
                for entry in islice(cast("Iterable[Any]", schema.error_log), _MAX_REPORTED)
            )
        field, message = problems[0]
        raise FormatError(field, f"not valid under its XSD: {message}", problems=problems)

    def _schema(self, namespace: str) -> etree.XMLSchema | None:
        path = self._files.get(namespace)
        if path is None:
            return None
        with self._lock:
            if namespace not in self._compiled:
                parser = etree.XMLParser(resolve_entities=False, no_network=True)
                self._compiled[namespace] = etree.XMLSchema(etree.parse(str(path), parser))
            return self._compiled[namespace]


def _readable_path(document: etree._Element, error_path: str | None) -> str:
    """``/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/ChrgBr`` for libxml2's error path, which
    reads ``/*/*/*[2]/*[3]`` when the message uses a default namespace."""
    steps = (error_path or "").strip("/").split("/")[1:]  # relative to the Document itself
    try:
        found = document.xpath("/".join(steps), namespaces=_prefixes(document)) if steps else []
    except etree.XPathError:
        found = []
    first = found[0] if isinstance(found, list) and found else None
    element: etree._Element | None = first if isinstance(first, etree._Element) else document
    names = []
    while element is not None and element is not document.getparent():
        names.append(_step(element))
        element = element.getparent()
    return "/" + "/".join(reversed(names))


def _prefixes(document: etree._Element) -> dict[str, str]:
    return {prefix: uri for prefix, uri in document.nsmap.items() if prefix}


def _step(element: etree._Element) -> str:
    name = etree.QName(element).localname
    parent = element.getparent()
    if parent is None:
        return name
    namesakes = [sibling for sibling in parent if sibling.tag == element.tag]
    return f"{name}[{namesakes.index(element) + 1}]" if len(namesakes) > 1 else name
