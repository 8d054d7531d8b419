"""Field encryption for personal data: AES-256-GCM with key ids, blind indexes, key rotation.

A stored value reads ``v1:<key_id>:<base64(nonce | ciphertext | tag)>``. The key id lets old rows
keep decrypting after a new primary key is introduced; :func:`rotate_keys` then re-encrypts them
so the old key can be retired. The associated data binds a value to its ``table.column``: a
ciphertext copied into another column (or another table) fails authentication instead of
decrypting there.

Declare a personal-data column as ``mapped_column(EncryptedString())``. Encrypted values cannot be
compared in SQL (each encryption uses a fresh nonce); store :func:`blind_index` of the normalised
value in a second column for equality lookups (find a customer by phone number).

The key ring comes from ``Settings.data_keys`` (``"id:base64key,..."``, the first one encrypts).
``create_app`` and the CLI call :func:`configure`; until then the ring is read from the settings on
first use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Column,
    MetaData,
    Table,
    Text,
    and_,
    event,
    not_,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from paytrust.config import Settings, get_settings
from paytrust.platform import audit
from paytrust.platform.db import Base

__all__ = [
    "DecryptionFailed",
    "EncryptedString",
    "KeyRing",
    "RotationReport",
    "UnknownKeyId",
    "blind_index",
    "configure",
    "decrypt",
    "encrypt",
    "generate_key",
    "keyring",
    "rotate_keys",
]

FORMAT_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class DecryptionFailed(Exception):
    """A stored value is malformed, was tampered with, or belongs to another column."""


class UnknownKeyId(DecryptionFailed):
    """A stored value names a key id the key ring does not hold (removed too early?)."""


@dataclass(frozen=True)
class KeyRing:
    """Data keys by id; ``primary_id`` encrypts, every key decrypts. ``index_key`` feeds blind
    indexes and is derived from the service secret, not from a data key, so rotating data keys
    leaves every blind index valid."""

    keys: dict[str, bytes]
    primary_id: str
    index_key: bytes

    def __post_init__(self) -> None:
        if self.primary_id not in self.keys:
            raise ValueError(f"primary key id {self.primary_id!r} is not in the key ring")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise ValueError(f"key id {key_id!r}: use 1-32 letters, digits or '-'")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} has {len(key)} bytes, AES-256 needs {KEY_BYTES}")

    @classmethod
    def parse(cls, spec: str, *, index_secret: bytes) -> KeyRing:
        """Build from ``"id:base64key,id2:base64key"``; the first entry is the primary key."""
        keys: dict[str, bytes] = {}
        for entry in (part.strip() for part in spec.split(",")):
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            if not sep:
                raise ValueError(f"data key entry {key_id!r} is not 'id:base64key'")
            if key_id in keys:
                raise ValueError(f"data key id {key_id!r} listed twice")
            try:
                keys[key_id] = base64.b64decode(encoded, validate=True)
            except binascii.Error as error:
                raise ValueError(f"data key {key_id!r} is not valid base64") from error
        if not keys:
            raise ValueError("no data keys configured")
        primary_id = next(iter(keys))
        return cls(keys=keys, primary_id=primary_id, index_key=_derive_index_key(index_secret))

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        return cls.parse(
            settings.data_keys.get_secret_value(),
            index_secret=settings.secret_key.get_secret_value().encode(),
        )


def _derive_index_key(secret: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"paytrust blind index v1")
    return hkdf.derive(secret)


def generate_key() -> str:
    """A fresh random AES-256 key, base64-encoded for ``PAYTRUST_DATA_KEYS``."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


_configured: KeyRing | None = None


def configure(ring: KeyRing) -> None:
    """Install the process-wide key ring (app start, CLI start, tests)."""
    global _configured
    _configured = ring


def keyring() -> KeyRing:
    global _configured
    if _configured is None:
        _configured = KeyRing.from_settings(get_settings())
    return _configured


def _associated_data(context: str) -> bytes:
    return b"paytrust-field\x00" + context.encode()


def encrypt(plaintext: str, context: str, ring: KeyRing | None = None) -> str:
    """Encrypt ``plaintext`` for ``context`` (``"table.column"``) with the primary key."""
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(
        nonce, plaintext.encode(), _associated_data(context)
    )
    payload = base64.b64encode(nonce + sealed).decode()
    return f"{FORMAT_VERSION}:{ring.primary_id}:{payload}"


def key_id_of(stored: str) -> str:
    _version, key_id, _payload = _split(stored)
    return key_id


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != FORMAT_VERSION:
        raise DecryptionFailed(f"not a {FORMAT_VERSION} encrypted value")
    return parts[0], parts[1], parts[2]


def decrypt(stored: str, context: str, ring: KeyRing | None = None) -> str:
    """Decrypt a value written by :func:`encrypt` for the same ``context``."""
    ring = ring or keyring()
    _version, key_id, payload = _split(stored)
    key = ring.keys.get(key_id)
    if key is None:
        raise UnknownKeyId(
            f"{context}: value encrypted with key id {key_id!r}, which is not in "
            f"PAYTRUST_DATA_KEYS (held: {', '.join(ring.keys)})"
        )
    try:
        raw = base64.b64decode(payload, validate=True)
        plaintext = AESGCM(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(context)
        )
    except (binascii.Error, ValueError, InvalidTag) as error:
        raise DecryptionFailed(
            f"{context}: value does not authenticate (tampered, or copied from another column)"
        ) from error
    return plaintext.decode()


def blind_index(value: str, purpose: str, ring: KeyRing | None = None) -> str:
    """A keyed hash of an already normalised value for equality lookups of encrypted data.

    ``purpose`` (e.g. ``"customer.phone"``) keeps the same value unlinkable across columns.
    """
    ring = ring or keyring()
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(ring.index_key, message, hashlib.sha256).hexdigest()


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted; bound to its ``table.column`` when attached to a table."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str | None = None) -> None:
        super().__init__()
        self.context = context

    def _require_context(self) -> str:
        if self.context is None:
            raise RuntimeError("EncryptedString used outside a table column")
        return self.context

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt(value, self._require_context())

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return decrypt(value, self._require_context())

    def process_literal_param(self, value: str | None, dialect: Any) -> str:
        raise TypeError("encrypted values cannot be rendered as SQL literals")

    @property
    def python_type(self) -> type[str]:
        return str

    class comparator_factory(TypeDecorator.Comparator[str]):  # SQLAlchemy's hook name
        """Equality on ciphertext never matches (fresh nonce each time): refuse it loudly."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            if op.__name__ in ("eq", "ne", "in_op", "not_in_op", "like_op", "ilike_op"):
                raise TypeError(
                    "encrypted columns cannot be compared in SQL; query a blind_index column"
                )
            return super().operate(op, *other, **kwargs)


@event.listens_for(Column, "after_parent_attach")
def _bind_encrypted_column(column: Column[Any], parent: Any) -> None:
    """Give each encrypted column its own type instance carrying ``table.column`` as AD."""
    if isinstance(column.type, EncryptedString) and isinstance(parent, Table):
        column.type = EncryptedString(context=f"{parent.name}.{column.name}")


def encrypted_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if isinstance(column.type, EncryptedString)]


@dataclass(frozen=True)
class RotationReport:
    primary_id: str
    rows_by_table: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.rows_by_table.values())


def rotate_keys(
    session: Session, *, actor: str, batch_size: int = 500, metadata: MetaData = Base.metadata
) -> RotationReport:
    """Re-encrypt every encrypted column of every mapped table under the primary key.

    Works in batches of rows still carrying another key id, so it is resumable: a second run
    after an interruption continues where the first stopped. Once it reports, keys other than
    the primary one can be removed from ``PAYTRUST_DATA_KEYS``.
    """
    ring = keyring()
    rows_by_table: dict[str, int] = {}
    for table in metadata.sorted_tables:
        columns = encrypted_columns(table)
        if columns:
            rows_by_table[table.name] = _rotate_table(session, table, columns, ring, batch_size)
    report = RotationReport(ring.primary_id, rows_by_table)
    audit.record(
        session, actor=actor, action="crypto.keys_rotated", entity_type="keyring",
        entity_id=ring.primary_id, after={"rows_by_table": rows_by_table},
    )
    return report


def _rotate_table(
    session: Session, table: Table, columns: list[Column[Any]], ring: KeyRing, batch_size: int
) -> int:
    primary_prefix = f"{FORMAT_VERSION}:{ring.primary_id}:"
    key_columns = list(table.primary_key.columns)
    stale = or_(*(
        and_(
            type_coerce(column, Text).is_not(None),
            not_(type_coerce(column, Text).startswith(primary_prefix, autoescape=True)),
        )
        for column in columns
    ))
    rotated = 0
    while True:
        # Decrypts through the column types; writing the plaintext back re-encrypts with the
        # primary key, so rows leave the ``stale`` filter as they are rewritten.
        rows = session.execute(select(*key_columns, *columns).where(stale).limit(batch_size)).all()
        if not rows:
            return rotated
        for row in rows:
            identity = and_(*(key == row._mapping[key] for key in key_columns))
            values = {column.name: row._mapping[column] for column in columns}
            session.execute(update(table).where(identity).values(values))
        rotated += len(rows)
