"""Dashboard tiles, defined as data like the navigation.

A module registers a tile with the permission needed to see it and a function computing its
figure; the dashboard computes only the tiles the principal may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from paytrust.platform.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class Tile:
    key: str
    label_key: str  # message id of the caption
    permission: str
    figure: Callable[[Session, Principal], int]
    url: str | None = None  # where the tile leads, if anywhere
    order: int = 100


@dataclass(frozen=True, slots=True)
class TileFigure:
    tile: Tile
    value: int


_TILES: dict[str, Tile] = {}


def register_tile(tile: Tile) -> Tile:
    """Register a tile once (idempotent for the same definition)."""
    existing = _TILES.get(tile.key)
    if existing is not None and existing != tile:
        raise ValueError(f"dashboard tile {tile.key!r} registered twice, differently")
    _TILES[tile.key] = tile
    return tile


def tiles_for(session: Session, principal: Principal) -> list[TileFigure]:
    """The tiles ``principal`` may see, with their current figures, in display order."""
    visible = sorted(
        (t for t in _TILES.values() if principal.can(t.permission)), key=lambda t: (t.order, t.key)
    )
    return [TileFigure(tile, tile.figure(session, principal)) for tile in visible]
