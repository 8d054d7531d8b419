"""Block and allow lists as one immutable snapshot, swapped whole for a hot reload.

The service keeps list entries in its database and builds a new ``ListSnapshot`` from plain
rows (``load_lists``) whenever they change; the engine reads whichever snapshot it holds, so
a reload never shows a half-updated list. Entries may expire; an expired entry is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from math import inf
from types import MappingProxyType

from paytrust.risk.engine.lists.name_screen import NameScreen
from paytrust.risk.engine.transaction import Transaction


class ListKind(StrEnum):
    ACCOUNT = "account"
    DEVICE = "device"
    IP = "ip"  # an address or a CIDR network
    BIN = "bin"  # card BIN prefix, 4-8 digits
    COUNTRY = "country"  # ISO 3166-1 alpha-2; matches payer, payee and merchant countries
    PAYEE = "payee"  # payee id or merchant id
    NAME = "name"  # watchlist name for the fuzzy payee-name screen


class ListAction(StrEnum):
    BLOCK = "block"
    ALLOW = "allow"


class ListError(ValueError):
    """A list row that cannot be loaded; the message says which and why."""


# value -> expiry (epoch seconds; inf = never)
_Entries = Mapping[str, float]
_SUFFIX = {ListAction.BLOCK: "blocked", ListAction.ALLOW: "allowed"}
_LISTED_KINDS = (ListKind.ACCOUNT, ListKind.DEVICE, ListKind.IP, ListKind.BIN, ListKind.COUNTRY,
                 ListKind.PAYEE)
_NAMES = {
    action: tuple(f"list.{kind.value}_{suffix}" for kind in _LISTED_KINDS)
    for action, suffix in _SUFFIX.items()
}
# The order of ``ListSnapshot.values``: the block and allow list hits, then the rest.
LIST_FLAG_NAMES = (*_NAMES[ListAction.BLOCK], *_NAMES[ListAction.ALLOW])
LIST_FEATURE_NAMES = (*LIST_FLAG_NAMES, "list.country_high_risk",
                      "list.payee_country_high_risk", "list.payee_name_match")


@dataclass(frozen=True, slots=True)
class ListEntry:
    kind: ListKind
    value: str
    action: ListAction = ListAction.BLOCK
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ListSnapshot:
    entries: Mapping[tuple[ListKind, ListAction], _Entries] = field(
        default_factory=lambda: MappingProxyType({})
    )
    networks: Mapping[ListAction, tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                              float], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    high_risk_countries: frozenset[str] = frozenset()
    name_screen: NameScreen = field(default_factory=lambda: NameScreen(()))
    version: str = ""
    _unlisted: list[object] = field(init=False, repr=False)
    _listed: tuple[tuple[int, ListKind, ListAction], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Most deployments list a few kinds only: the others are False for every payment, so
        # they are copied from one template and only the listed kinds are looked up.
        listed: list[tuple[int, ListKind, ListAction]] = []
        for action, names in _NAMES.items():
            for kind, name in zip(_LISTED_KINDS, names, strict=True):
                if self.entries.get((kind, action)) or (
                    kind is ListKind.IP and self.networks.get(action)
                ):
                    listed.append((LIST_FEATURE_NAMES.index(name), kind, action))
        object.__setattr__(self, "_unlisted", [False] * len(LIST_FEATURE_NAMES))
        object.__setattr__(self, "_listed", tuple(listed))

    def features(self, txn: Transaction, now: float) -> dict[str, object]:
        """The ``list.*`` names of the vocabulary for ``txn`` at ``now`` (epoch seconds)."""
        return dict(zip(LIST_FEATURE_NAMES, self.values(txn, now), strict=True))

    def values(self, txn: Transaction, now: float) -> list[object]:
        """``features``' values in the order of ``LIST_FEATURE_NAMES``."""
        values = self._unlisted.copy()
        for position, kind, action in self._listed:
            values[position] = self._listed_for(kind, action, txn, now)
        high_risk = self.high_risk_countries
        values[-3] = txn.country in high_risk
        values[-2] = txn.payee_country in high_risk or txn.merchant_country in high_risk
        values[-1] = self.name_screen.match(txn.payee_name).score if txn.payee_name else 0.0
        return values

    def _listed_for(self, kind: ListKind, action: ListAction, txn: Transaction,
                    now: float) -> bool:
        match kind:
            case ListKind.ACCOUNT:
                return self._has(kind, action, now, txn.account_id)
            case ListKind.DEVICE:
                return self._has(kind, action, now, txn.device_id)
            case ListKind.IP:
                return self._ip_listed(action, txn.ip, now)
            case ListKind.BIN:
                return self._bin_listed(action, txn.card_bin, now)
            case ListKind.COUNTRY:
                return self._has(kind, action, now, txn.country, txn.payee_country,
                                 txn.merchant_country)
            case _:
                return self._has(ListKind.PAYEE, action, now, txn.payee_id, txn.merchant_id)

    def _has(self, kind: ListKind, action: ListAction, now: float, *values: str | None) -> bool:
        entries = self.entries.get((kind, action))
        if not entries:
            return False
        return any(value is not None and entries.get(value, -inf) > now for value in values)

    def _bin_listed(self, action: ListAction, card_bin: str | None, now: float) -> bool:
        entries = self.entries.get((ListKind.BIN, action))
        if not entries or not card_bin:
            return False
        return any(entries.get(card_bin[:length], -inf) > now for length in range(4, 9))

    def _ip_listed(self, action: ListAction, ip: str | None, now: float) -> bool:
        if ip is None:
            return False
        if self._has(ListKind.IP, action, now, ip):
            return True
        networks = self.networks.get(action)
        if not networks:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(
            expiry > now and address.version == network.version and address in network
            for network, expiry in networks
        )


def load_lists(
    rows: Iterable[Mapping[str, object]],
    *,
    high_risk_countries: Iterable[str] = (),
    version: str = "",
) -> ListSnapshot:
    """Build a snapshot from plain rows ``{kind, value, action?, expires_at?}``.

    ``action`` defaults to block; ``name`` rows feed the watchlist screen whatever their
    action. Raises ``ListError`` naming the row on a bad kind, action, value or expiry.
    """
    entries: dict[tuple[ListKind, ListAction], dict[str, float]] = {}
    networks: dict[ListAction, list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                          float]]] = {}
    names: list[str] = []
    for number, row in enumerate(rows, start=1):
        entry = _parse_row(number, row)
        if entry.kind is ListKind.NAME:
            names.append(entry.value)
            continue
        expiry = entry.expires_at.timestamp() if entry.expires_at else inf
        if entry.kind is ListKind.IP and "/" in entry.value:
            networks.setdefault(entry.action, []).append(
                (ipaddress.ip_network(entry.value, strict=False), expiry)
            )
            continue
        bucket = entries.setdefault((entry.kind, entry.action), {})
        bucket[entry.value] = max(expiry, bucket.get(entry.value, -inf))
    return ListSnapshot(
        entries=MappingProxyType({key: MappingProxyType(v) for key, v in entries.items()}),
        networks=MappingProxyType({action: tuple(v) for action, v in networks.items()}),
        high_risk_countries=frozenset(code.upper() for code in high_risk_countries),
        name_screen=NameScreen(names),
        version=version,
    )


def _parse_row(number: int, row: Mapping[str, object]) -> ListEntry:
    try:
        kind = ListKind(str(row["kind"]))
        action = ListAction(str(row.get("action") or ListAction.BLOCK))
        value = str(row["value"]).strip()
    except (KeyError, ValueError) as error:
        raise ListError(f"list row {number}: {error}") from error
    expires_at = row.get("expires_at")
    if expires_at is not None and not (
        isinstance(expires_at, datetime) and expires_at.tzinfo is not None
    ):
        raise ListError(f"list row {number}: expires_at must be an aware datetime")
    if not value:
        raise ListError(f"list row {number}: empty value")
    if kind is ListKind.COUNTRY:
        value = value.upper()
    elif kind is ListKind.BIN and not (value.isdigit() and 4 <= len(value) <= 8):
        raise ListError(f"list row {number}: a BIN is 4 to 8 digits, got {value!r}")
    elif kind is ListKind.IP:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as error:
            raise ListError(f"list row {number}: {error}") from error
    return ListEntry(kind, value, action, expires_at)
