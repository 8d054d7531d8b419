"""``header`` reads a request header as Starlette's ``Headers.get`` does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from paytrust.platform.headers import header

_NAMES = st.sampled_from([b"x-api-key", b"content-type", b"accept-language", b"authorization"])
_VALUES = st.binary(max_size=40)  # any bytes: header values are read as latin-1


def _request(headers: list[tuple[bytes, bytes]]) -> Request:
    return Request({"type": "http", "headers": headers})


@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=6), _NAMES)
def test_reads_what_starlette_reads(headers: list[tuple[bytes, bytes]], name: bytes) -> None:
    request = _request(headers)
    assert header(request, name) == request.headers.get(name.decode())


def test_first_value_of_a_repeated_header_and_none_for_an_absent_one() -> None:
    request = _request([(b"x-api-key", b"first"), (b"x-api-key", b"second"),
                        (b"content-type", b"caf\xe9")])
    assert header(request, b"x-api-key") == "first"
    assert header(request, b"content-type") == "café"
    assert header(request, b"accept-language") is None
