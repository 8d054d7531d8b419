"""The ISO 8583:1987 wire layout PayTrust reads: ASCII characters throughout, as in the
reference messages of moov-io/iso8583 (``encoding`` block of its 1987 specification).

MTI as 4 ASCII digits, bitmaps as 16 hex characters, numeric and text fields as ASCII, LLVAR /
LLLVAR lengths as ASCII digits, no length header. Track 2 (DE35) is EBCDIC (cp037), as that
specification's ``trk_enc`` says. Field lengths follow pyiso8583's ``default_ascii`` except
where the 1987 table differs (DE54, DE55).
"""

from __future__ import annotations

import copy
from typing import Any

from iso8583.specs import default_ascii

SPEC_1987_ASCII: dict[str, dict[str, Any]] = copy.deepcopy(default_ascii)
SPEC_1987_ASCII["35"].update(data_enc="cp037", desc="Track 2 Data (EBCDIC)")
SPEC_1987_ASCII["54"].update(max_len=120)  # an...120
SPEC_1987_ASCII["55"].update(max_len=999)  # ans...999 in the 1987 table
