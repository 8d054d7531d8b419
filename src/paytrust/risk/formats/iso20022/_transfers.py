"""Credit transfers (``CdtTrfTxInf``) of pacs.008 and pain.001 as normalised transactions.

The element names used here are the same in every version from 08 on; the namespace's version
number only gates which versions we claim to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from lxml import etree

from paytrust.risk.engine.transaction import Channel, Transaction, TransactionType
from paytrust.risk.formats import _checks
from paytrust.risk.formats.errors import FormatError
from paytrust.risk.formats.iso20022._safe_xml import ISO20022_NAMESPACE_PREFIX

# message id -> (root element under Document, first version we read)
SUPPORTED_MESSAGES: dict[str, tuple[str, int]] = {
    "pacs.008": ("FIToFICstmrCdtTrf", 8),
    "pain.001": ("CstmrCdtTrfInitn", 8),
}
_MESSAGE_ID = re.compile(r"(?P<kind>[a-z]{4}\.[0-9]{3})\.[0-9]{3}\.(?P<version>[0-9]{2})")
_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{0,17})?|\.[0-9]{1,17}")  # xs:decimal, no sign
_PLACEHOLDER_IDS = frozenset({"NOTPROVIDED"})  # EndToEndId when the debtor gave none

# Where a party or account is identified, most specific first.
_PARTY_IDS = ("Id/OrgId/AnyBIC", "Id/OrgId/LEI", "Id/OrgId/Othr/Id", "Id/PrvtId/Othr/Id")
_ACCOUNT_IDS = ("Id/IBAN", "Id/Othr/Id", "Prxy/Id")
_PARTY_COUNTRIES = ("CtryOfRes", "PstlAdr/Ctry")


def message_kind(document: etree._Element) -> str:
    """``pacs.008`` or ``pain.001`` from the Document's namespace, if in a version we read."""
    namespace = etree.QName(document).namespace or ""
    found = _MESSAGE_ID.fullmatch(namespace.removeprefix(ISO20022_NAMESPACE_PREFIX))
    kinds = " or ".join(f"{kind}.001.{v:02d}+" for kind, (_, v) in SUPPORTED_MESSAGES.items())
    if found is None or found["kind"] not in SUPPORTED_MESSAGES:
        raise FormatError("Document", f"message {namespace!r} is not a credit transfer PayTrust "
                                      f"scores; send {kinds}")
    if int(found["version"]) < SUPPORTED_MESSAGES[found["kind"]][1]:
        raise FormatError("Document", f"message version {namespace!r} is too old; send {kinds}")
    return found["kind"]


def credit_transfers(document: etree._Element, kind: str) -> list[Transaction]:
    xml = _Reader(etree.QName(document).namespace or "")
    root_name, _ = SUPPORTED_MESSAGES[kind]
    body = xml.required(document, root_name, root_name)
    created_at = _instant(xml.required_text(body, "GrpHdr/CreDtTm", "GrpHdr/CreDtTm"),
                          "GrpHdr/CreDtTm")
    found = list(_located_transfers(xml, body, kind))
    _check_count(xml, body, len(found))
    return [_transfer(xml, located, created_at) for located in found]


@dataclass(frozen=True, slots=True)
class _Located:
    tx: etree._Element  # the CdtTrfTxInf
    debtor_scope: etree._Element  # where Dbtr and DbtrAcct sit: the tx (pacs) or its PmtInf
    where: str  # path prefix for error messages
    amount_paths: tuple[str, ...]  # the amount elements to use, first present wins


def _located_transfers(xml: _Reader, body: etree._Element, kind: str) -> Iterator[_Located]:
    if kind == "pacs.008":
        for i, tx in _numbered(xml.all(body, "CdtTrfTxInf")):
            yield _Located(tx, tx, f"CdtTrfTxInf[{i}]", ("IntrBkSttlmAmt", "InstdAmt"))
        return
    for p, payment in _numbered(xml.all(body, "PmtInf")):
        for i, tx in _numbered(xml.all(payment, "CdtTrfTxInf")):
            # EqvtAmt: the debtor's own-currency amount, to be converted by its bank.
            yield _Located(tx, payment, f"PmtInf[{p}]/CdtTrfTxInf[{i}]",
                           ("Amt/InstdAmt", "Amt/EqvtAmt/Amt"))


def _check_count(xml: _Reader, body: etree._Element, count: int) -> None:
    if count == 0:
        raise FormatError("CdtTrfTxInf", "the message holds no credit transfer")
    if count > _checks.MAX_BATCH_SIZE:
        raise FormatError("CdtTrfTxInf", f"at most {_checks.MAX_BATCH_SIZE} credit transfers "
                                         "per message")
    declared = xml.text(body, "GrpHdr/NbOfTxs")
    if declared is not None and declared != str(count):
        raise FormatError("GrpHdr/NbOfTxs", f"declares {declared[:18]} transactions, the "
                                            f"message holds {count}")


def _transfer(xml: _Reader, located: _Located, created_at: datetime) -> Transaction:
    tx, debtor_scope, where = located.tx, located.debtor_scope, located.where
    amount_minor, currency = _amount(xml, tx, where, located.amount_paths)
    debtor = xml.element(debtor_scope, "Dbtr")
    account_id = (_first_text(xml, xml.element(debtor_scope, "DbtrAcct"), _ACCOUNT_IDS)
                  or _first_text(xml, debtor, _PARTY_IDS)
                  or _name_as_id(xml, debtor))
    if account_id is None:
        raise FormatError(f"{where}/Dbtr", "the debtor has no account, id or name to score")
    creditor = xml.element(tx, "Cdtr")
    payee_id = (_first_text(xml, xml.element(tx, "CdtrAcct"), _ACCOUNT_IDS)
                or _first_text(xml, creditor, _PARTY_IDS))
    debtor_country = _first_text(xml, debtor, _PARTY_COUNTRIES)
    payee_country = _first_text(xml, creditor, _PARTY_COUNTRIES)
    payee_name = _name(xml, creditor)
    return Transaction(
        transaction_id=_checks.identifier(f"{where}/PmtId", _transaction_id(xml, tx, where)),
        occurred_at=created_at,
        type=TransactionType.P2P_TRANSFER,
        amount_minor=amount_minor,
        currency=currency,
        customer_id=_checks.identifier(
            f"{where}/Dbtr", _first_text(xml, debtor, _PARTY_IDS) or account_id),
        account_id=_checks.identifier(f"{where}/DbtrAcct", account_id),
        channel=Channel.BANK_TRANSFER,
        payee_id=payee_id and _checks.identifier(f"{where}/CdtrAcct", payee_id),
        payee_name=payee_name and _checks.name(f"{where}/Cdtr/Nm", payee_name),
        payee_country=payee_country and _checks.country_code(f"{where}/Cdtr/Ctry", payee_country),
        country=debtor_country and _checks.country_code(f"{where}/Dbtr/Ctry", debtor_country),
    )


def _transaction_id(xml: _Reader, tx: etree._Element, where: str) -> str:
    """UETR first: it is the only one of the three that is globally unique by rule."""
    for path in ("PmtId/UETR", "PmtId/TxId", "PmtId/EndToEndId"):
        value = xml.text(tx, path)
        if value is not None and value not in _PLACEHOLDER_IDS:
            return value
    raise FormatError(f"{where}/PmtId", "no UETR, TxId or EndToEndId identifies the transfer")


def _amount(
    xml: _Reader, tx: etree._Element, where: str, paths: tuple[str, ...]
) -> tuple[int, str]:
    for path in paths:
        element = xml.element(tx, path)
        if element is None:
            continue
        field = f"{where}/{path}"
        currency = _checks.currency_code(f"{field}/@Ccy", (element.get("Ccy") or "").strip())
        text = (element.text or "").strip()
        if not _AMOUNT.fullmatch(text):
            raise FormatError(field, "amount must be a plain decimal such as 1250.00")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise FormatError(field, "amount must be a plain decimal") from None
        return _checks.minor_units(field, amount, currency), currency
    names = " or ".join(paths)
    raise FormatError(f"{where}/{paths[0]}", f"the transfer has no {names}")


def _instant(text: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FormatError(field, "not an ISO 8601 date-time") from None
    return _checks.utc_instant(field, value)


def _first_text(xml: _Reader, scope: etree._Element | None, paths: tuple[str, ...]) -> str | None:
    if scope is None:
        return None
    for path in paths:
        value = xml.text(scope, path)
        if value is not None:
            return value
    return None


def _name(xml: _Reader, party: etree._Element | None) -> str | None:
    raw = xml.text(party, "Nm") if party is not None else None
    return " ".join(raw.split()) if raw else None  # names may wrap lines in pretty-printed XML


def _name_as_id(xml: _Reader, party: etree._Element | None) -> str | None:
    """A weak last resort: CBPR+ allows a debtor known only by name (and its agent)."""
    party_name = _name(xml, party)
    return f"name:{party_name}" if party_name else None


def _numbered(elements: list[etree._Element]) -> Iterator[tuple[int, etree._Element]]:
    return enumerate(elements, start=1)  # 1-based, as in XPath, for error paths


class _Reader:
    """Namespace-qualified look-ups written as plain ``A/B/C`` paths."""

    def __init__(self, namespace: str) -> None:
        self._namespaces = {"d": namespace}

    def element(self, scope: etree._Element, path: str) -> etree._Element | None:
        return scope.find(_qualified(path), self._namespaces)

    def all(self, scope: etree._Element, path: str) -> list[etree._Element]:
        return scope.findall(_qualified(path), self._namespaces)

    def text(self, scope: etree._Element, path: str) -> str | None:
        element = self.element(scope, path)
        value = (element.text or "").strip() if element is not None else ""
        return value or None

    def required(self, scope: etree._Element, path: str, field: str) -> etree._Element:
        element = self.element(scope, path)
        if element is None:
            raise FormatError(field, "required element is missing")
        return element

    def required_text(self, scope: etree._Element, path: str, field: str) -> str:
        value = self.text(scope, path)
        if value is None:
            raise FormatError(field, "required element is missing or empty")
        return value


@lru_cache(maxsize=64)
def _qualified(path: str) -> str:
    return "/".join(f"d:{step}" for step in path.split("/"))
