"""Valid inputs of every format, built in code so each test states only what it changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import iso8583

from paytrust.risk.formats.iso8583 import SPEC_1987_ASCII

DATASETS = Path("/work/shared/datasets")
ISO20022_DATA = DATASETS / "iso20022"
ISO8583_DATA = DATASETS / "iso8583"

CARD_TOKEN_KEY = b"test-card-token-key-32-bytes-long"
NOW = datetime(2026, 4, 13, 12, 0, tzinfo=UTC)


def json_transaction(**changes: Any) -> dict[str, Any]:
    """A complete PayTrust JSON transaction; ``changes`` override (``None`` drops a field)."""
    fields: dict[str, Any] = {
        "transaction_id": "tx-1",
        "occurred_at": "2026-04-13T10:30:00+08:00",
        "type": "payment",
        "amount": "128.50",
        "currency": "CNY",
        "customer_id": "cus-1",
        "account_id": "acc-1",
        "channel": "qr",
        "auth_method": "pin",
        "merchant_id": "mer-88",
        "merchant_category": "5812",
        "merchant_country": "CN",
        "payee_name": "Golden Dragon Tea House",
        "device_id": "dev-1",
        "ip": "203.0.113.7",
        "country": "CN",
        "latitude": 22.543,
        "longitude": 114.058,
        "card_bin": "62284800",
        "balance_before": "5000.00",
        "balance_after": "4871.50",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()  # stdlib: it writes integers of any size, as fuzzing needs


def pacs008(
    *transfers: dict[str, str],
    version: str = "08",
    created_at: str = "2026-04-13T10:30:00+00:00",
    number_of_transactions: int | None = None,
    envelope: bool = False,
) -> bytes:
    """A pacs.008 with one ``CdtTrfTxInf`` per mapping (keys: uetr, e2e, amount, ccy,
    debtor_iban, creditor_iban, creditor_name, creditor_country), valid under the v08 XSD."""
    count = len(transfers) if number_of_transactions is None else number_of_transactions
    body = "".join(_pacs008_transfer(i, transfer) for i, transfer in enumerate(transfers))
    document = f"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.{version}">
<FIToFICstmrCdtTrf><GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>{created_at}</CreDtTm>
<NbOfTxs>{count}</NbOfTxs><SttlmInf><SttlmMtd>INDA</SttlmMtd></SttlmInf></GrpHdr>{body}
</FIToFICstmrCdtTrf></Document>"""
    if envelope:
        document = f"""<Envelope xmlns="urn:swift:xsd:envelope">
<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">
<MsgDefIdr>pacs.008.001.08</MsgDefIdr></AppHdr>{document}</Envelope>"""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + document).encode()


def _pacs008_transfer(index: int, transfer: dict[str, str]) -> str:
    t = {
        "uetr": f"00000000-0000-4000-8000-{index:012d}", "e2e": f"E2E-{index}",
        "amount": "1000.00", "ccy": "EUR", "debtor_iban": "DE89370400440532013000",
        "creditor_iban": "ES9121000418450200051332", "creditor_name": "Ana Lopez",
        "creditor_country": "ES", **transfer,
    }
    return f"""<CdtTrfTxInf><PmtId><EndToEndId>{t['e2e']}</EndToEndId><UETR>{t['uetr']}</UETR>
</PmtId><IntrBkSttlmAmt Ccy="{t['ccy']}">{t['amount']}</IntrBkSttlmAmt><ChrgBr>SHAR</ChrgBr>
<Dbtr><Nm>Max Mustermann</Nm><PstlAdr><Ctry>DE</Ctry></PstlAdr></Dbtr>
<DbtrAcct><Id><IBAN>{t['debtor_iban']}</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>CAIXESBBXXX</BICFI></FinInstnId></CdtrAgt>
<Cdtr><Nm>{t['creditor_name']}</Nm><PstlAdr><Ctry>{t['creditor_country']}</Ctry></PstlAdr></Cdtr>
<CdtrAcct><Id><IBAN>{t['creditor_iban']}</IBAN></Id></CdtrAcct></CdtTrfTxInf>"""


def pain001(amount: str = "250.00", ccy: str = "GBP", *, version: str = "09") -> bytes:
    """A pain.001 with two payment blocks (two debtors), one and two transfers."""
    execution = ("<ReqdExctnDt><Dt>2026-04-14</Dt></ReqdExctnDt>" if version != "03"
                 else "<ReqdExctnDt>2026-04-14</ReqdExctnDt>")

    def payment(number: int, debtor: str, transfers: int) -> str:
        txs = "".join(
            f"""<CdtTrfTxInf><PmtId><EndToEndId>E2E-{number}-{i}</EndToEndId></PmtId>
<Amt><InstdAmt Ccy="{ccy}">{amount}</InstdAmt></Amt><Cdtr><Nm>Payee {i}</Nm></Cdtr>
<CdtrAcct><Id><Othr><Id>PAYEE-{i}</Id></Othr></Id></CdtrAcct></CdtTrfTxInf>"""
            for i in range(1, transfers + 1))
        return f"""<PmtInf><PmtInfId>P{number}</PmtInfId><PmtMtd>TRF</PmtMtd>{execution}
<Dbtr><Nm>Debtor {number}</Nm><Id><PrvtId><Othr><Id>CUST-{number}</Id></Othr></PrvtId></Id>
</Dbtr><DbtrAcct><Id><IBAN>{debtor}</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BICFI>BARCGB22XXX</BICFI></FinInstnId></DbtrAgt>{txs}</PmtInf>"""

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.{version}"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>PAIN-1</MsgId><CreDtTm>2026-04-13T09:00:00Z</CreDtTm><NbOfTxs>3</NbOfTxs>
<InitgPty><Nm>Initiator</Nm></InitgPty></GrpHdr>
{payment(1, "GB29NWBK60161331926819", 1)}{payment(2, "GB94BARC10201530093459", 2)}
</CstmrCdtTrfInitn></Document>""".encode()


def iso8583_fields(**changes: str | None) -> dict[str, str]:
    """A contactless purchase authorisation (0100) for 125.00 CNY with PIN; ``DE<n>=None``
    removes a field."""
    fields = {
        "t": "0100", "2": "6228480012345678901", "3": "000000", "4": "000000012500",
        "7": "0413101500", "11": "123456", "12": "181500", "13": "0413", "18": "5812",
        "22": "071", "37": "610312345678", "41": "TERM0001", "42": "MERCHANT000042 ",
        "43": "GOLDEN DRAGON TEA HOUSE  SHENZHEN     CN", "49": "156",
        "52": "A1B2C3D4E5F60718",
    }
    for key, value in changes.items():
        number = key.removeprefix("DE")
        if value is None:
            fields.pop(number, None)
        else:
            fields[number] = value
    return fields


def iso8583_message(**changes: str | None) -> bytes:
    raw, _ = iso8583.encode(iso8583_fields(**changes), SPEC_1987_ASCII)
    return bytes(raw)
