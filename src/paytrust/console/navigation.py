"""The sidebar, defined as data.

Each module registers its entries (and, if it needs one, its group) when its ``views`` module is
imported; the sidebar shows a principal only the entries whose permission it holds, so a page a
role cannot open is never offered to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from paytrust.platform.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class NavGroup:
    key: str
    label_key: str  # message id
    order: int


@dataclass(frozen=True, slots=True)
class NavEntry:
    key: str  # stable id; a page names it to be shown as the current one
    label_key: str  # message id
    url: str
    permission: str
    group: str  # a NavGroup key
    icon: str  # a symbol id in static/icons.svg
    order: int = 100


@dataclass(frozen=True, slots=True)
class VisibleGroup:
    group: NavGroup
    entries: tuple[NavEntry, ...]


_Item = TypeVar("_Item", NavGroup, NavEntry)
_GROUPS: dict[str, NavGroup] = {}
_ENTRIES: dict[str, NavEntry] = {}


def _register(registry: dict[str, _Item], item: _Item) -> _Item:
    existing = registry.get(item.key)
    if existing is not None and existing != item:
        raise ValueError(f"navigation item {item.key!r} registered twice, differently")
    registry[item.key] = item
    return item


def define_group(key: str, label_key: str, order: int) -> NavGroup:
    """Register a sidebar group once (idempotent for the same definition)."""
    return _register(_GROUPS, NavGroup(key, label_key, order))


def register(entry: NavEntry) -> NavEntry:
    """Register a sidebar entry once (idempotent for the same definition)."""
    if entry.group not in _GROUPS:
        raise ValueError(f"navigation entry {entry.key!r} names unknown group {entry.group!r}")
    return _register(_ENTRIES, entry)


def visible_navigation(principal: Principal) -> list[VisibleGroup]:
    """The groups and entries ``principal`` may open, in display order; empty groups left out."""
    visible: list[VisibleGroup] = []
    for group in sorted(_GROUPS.values(), key=lambda g: (g.order, g.key)):
        entries = sorted(
            (e for e in _ENTRIES.values() if e.group == group.key and principal.can(e.permission)),
            key=lambda e: (e.order, e.key),
        )
        if entries:
            visible.append(VisibleGroup(group, tuple(entries)))
    return visible
