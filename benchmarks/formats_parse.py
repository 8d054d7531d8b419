"""How fast each input format becomes normalised transactions, against the bare decoder of the
same bytes measured in the same run (orjson for JSON, lxml for XML, pyiso8583 for ISO 8583);
PayTrust JSON also against its pydantic model alone, the path it takes when its fast path
declines a body (and took for every body before there was one).

Run: PYTHONPATH=src python benchmarks/formats_parse.py [seconds-per-measurement]
Prints one table; "ratio" is the full parser's time per body over the baseline's.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import iso8583
import orjson
from lxml import etree

from paytrust.risk.formats import (
    TransactionBatchIn,
    TransactionIn,
    parse_iso8583,
    parse_iso20022,
    parse_json_batch,
    parse_json_transaction,
    to_transaction,
)
from paytrust.risk.formats.iso8583 import SPEC_1987_ASCII

NOW = datetime(2026, 4, 13, 12, 0, tzinfo=UTC)
KEY = b"benchmark-card-token-key-32bytes"

JSON_ONE = json.dumps({
    "transaction_id": "tx-1", "occurred_at": "2026-04-13T10:30:00+08:00", "type": "payment",
    "amount": "128.50", "currency": "CNY", "customer_id": "cus-1", "account_id": "acc-1",
    "channel": "qr", "auth_method": "pin", "merchant_id": "mer-88", "merchant_category": "5812",
    "merchant_country": "CN", "device_id": "dev-1", "ip": "203.0.113.7", "country": "CN",
    "latitude": 22.543, "longitude": 114.058, "balance_before": "5000.00",
    "balance_after": "4871.50",
}).encode()
JSON_BATCH = b'{"transactions": [' + b",".join([JSON_ONE] * 1000) + b"]}"

_TRANSFER = """<CdtTrfTxInf><PmtId><EndToEndId>E2E-{i}</EndToEndId>
<UETR>00000000-0000-4000-8000-{i:012d}</UETR></PmtId>
<IntrBkSttlmAmt Ccy="EUR">1000.00</IntrBkSttlmAmt><ChrgBr>SHAR</ChrgBr>
<Dbtr><Nm>Max Mustermann</Nm><PstlAdr><Ctry>DE</Ctry></PstlAdr></Dbtr>
<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>CAIXESBBXXX</BICFI></FinInstnId></CdtrAgt>
<Cdtr><Nm>Ana Lopez</Nm><PstlAdr><Ctry>ES</Ctry></PstlAdr></Cdtr>
<CdtrAcct><Id><IBAN>ES9121000418450200051332</IBAN></Id></CdtrAcct></CdtTrfTxInf>"""


def pacs008(transfers: int) -> bytes:
    body = "".join(_TRANSFER.format(i=i) for i in range(transfers))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-04-13T10:30:00Z</CreDtTm><NbOfTxs>{transfers}</NbOfTxs>
<SttlmInf><SttlmMtd>INDA</SttlmMtd></SttlmInf></GrpHdr>{body}</FIToFICstmrCdtTrf></Document>
""".encode()


ISO8583, _ = iso8583.encode({
    "t": "0100", "2": "6228480012345678901", "3": "000000", "4": "000000012500",
    "7": "0413101500", "11": "123456", "12": "181500", "13": "0413", "18": "5812", "22": "071",
    "37": "610312345678", "41": "TERM0001", "42": "MERCHANT000042 ",
    "43": "GOLDEN DRAGON TEA HOUSE  SHENZHEN     CN", "49": "156", "52": "A1B2C3D4E5F60718",
}, SPEC_1987_ASCII)
ISO8583_BYTES = bytes(ISO8583)
XML_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def rate(run: Callable[[], object], seconds: float) -> float:
    """Bodies per second: repeat ``run`` for about ``seconds``."""
    run()  # warm caches (schema adapters, compiled paths)
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(10):
            run()
        count += 10
    return count / elapsed


def main(seconds: float) -> None:
    xml_one, xml_batch = pacs008(1), pacs008(1000)
    cases: list[tuple[str, int, int, Callable[[], object], str, Callable[[], object]]] = [
        ("PayTrust JSON, 1 tx", len(JSON_ONE), 1, lambda: parse_json_transaction(JSON_ONE),
         "orjson.loads", lambda: orjson.loads(JSON_ONE)),
        ("PayTrust JSON, 1 tx", len(JSON_ONE), 1, lambda: parse_json_transaction(JSON_ONE),
         "pydantic model only",
         lambda: to_transaction(TransactionIn.model_validate_json(JSON_ONE))),
        ("PayTrust JSON, batch 1000", len(JSON_BATCH), 1000,
         lambda: parse_json_batch(JSON_BATCH), "orjson.loads", lambda: orjson.loads(JSON_BATCH)),
        ("PayTrust JSON, batch 1000", len(JSON_BATCH), 1000,
         lambda: parse_json_batch(JSON_BATCH), "pydantic model only",
         lambda: [to_transaction(item) for item in
                  TransactionBatchIn.model_validate_json(JSON_BATCH).transactions]),
        ("pacs.008, 1 transfer", len(xml_one), 1, lambda: parse_iso20022(xml_one),
         "lxml fromstring", lambda: etree.fromstring(xml_one, XML_PARSER)),
        ("pacs.008, 1000 transfers", len(xml_batch), 1000, lambda: parse_iso20022(xml_batch),
         "lxml fromstring", lambda: etree.fromstring(xml_batch, XML_PARSER)),
        ("ISO 8583 0100", len(ISO8583_BYTES), 1,
         lambda: parse_iso8583(ISO8583_BYTES, now=NOW, card_token_key=KEY),
         "iso8583.decode", lambda: iso8583.decode(ISO8583_BYTES, SPEC_1987_ASCII)),
    ]
    print("| format | body bytes | parses/s | transactions/s | baseline | baseline/s "
          "| ratio |\n|---|---:|---:|---:|---|---:|---:|")
    for name, size, per_body, parse, baseline_name, baseline in cases:
        ours, theirs = rate(parse, seconds), rate(baseline, seconds)
        ratio = theirs / ours
        print(f"| {name} | {size:,} | {ours:,.0f} | {ours * per_body:,.0f} | {baseline_name} "
              f"| {theirs:,.0f} | {ratio:.{1 if ratio >= 1 else 2}f}x |")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.5)
