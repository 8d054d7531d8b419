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

_PREFIX = re.compile(r"\b[A-Za-z_][\w.-]*:")  # namespace prefixes in lxml's error paths
_CLARK = re.compile(r"\{[^}]*\}")  # {namespace}Name in lxml's messages
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
                (_PREFIX.sub("", entry.path or "Document"), _CLARK.sub("", entry.message))
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
