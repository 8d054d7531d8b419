"""What a scorer loads: the active rule set, the lists in force and the serving model
versions, and a stamp that changes whenever any of them does (so other processes notice a
change they did not make)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from paytrust.risk.service.lists import active_list_rows, lists_stamp
from paytrust.risk.service.models import models_stamp, serving_models
from paytrust.risk.service.rulesets import active_ruleset, default_pack_yaml, rules_stamp


@dataclass(frozen=True, slots=True)
class EngineInputs:
    ruleset_yaml: str
    ruleset_version: str  # "name@version", or "default-pack" before any activation
    list_rows: list[dict[str, object]]
    champion_model: str | None  # model versions; the scorer loads (and caches) them by name
    challenger_model: str | None
    stamp: str


def change_stamp(session: Session) -> str:
    return f"{rules_stamp(session)}|{lists_stamp(session)}|{models_stamp(session)}"


def engine_inputs(session: Session, now: datetime) -> EngineInputs:
    active = active_ruleset(session)
    champion, challenger = serving_models(session)
    return EngineInputs(
        ruleset_yaml=active.yaml if active else default_pack_yaml(),
        ruleset_version=f"{active.name}@{active.version}" if active else "default-pack",
        list_rows=active_list_rows(session, now),
        champion_model=champion.version if champion else None,
        challenger_model=challenger.version if challenger else None,
        stamp=change_stamp(session),
    )
