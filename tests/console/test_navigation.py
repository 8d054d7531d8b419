"""The sidebar and the dashboard show a role only what it may open."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from paytrust.console import navigation, tiles
from paytrust.console.navigation import NavEntry, visible_navigation
from paytrust.console.tiles import Tile, tiles_for
from paytrust.console.views import routers  # noqa: F401  (registers the console's entries)
from paytrust.platform.identity.permissions import Role, permissions_for_roles
from paytrust.platform.identity.principal import Principal
from paytrust.risk import views as risk_views  # noqa: F401  (registers the risk pages)


def principal_with(*roles: Role) -> Principal:
    names = frozenset(str(r) for r in roles)
    return Principal(kind="user", id="u1", name="someone", roles=names,
                     permissions=permissions_for_roles(names), user_id="u1")


def entry_keys(principal: Principal) -> list[str]:
    return [e.key for g in visible_navigation(principal) for e in g.entries]


def test_auditor_sees_the_audit_trail_and_the_staff_pages() -> None:
    assert entry_keys(principal_with(Role.AUDITOR)) == [
        "dashboard", "risk_decisions", "risk_models", "audit", "profile"]


@pytest.mark.parametrize("role", [Role.SUPPORT_AGENT, Role.TRAINER])
def test_roles_without_audit_or_risk_access_are_offered_neither(role: Role) -> None:
    assert entry_keys(principal_with(role)) == ["dashboard", "profile"]


def test_risk_analyst_sees_every_risk_page_in_order() -> None:
    assert entry_keys(principal_with(Role.RISK_ANALYST)) == [
        "dashboard", "risk_decisions", "risk_alerts", "risk_rules", "risk_lists", "risk_models",
        "risk_backtest", "profile"]


def test_customers_get_no_console_navigation() -> None:
    assert visible_navigation(principal_with(Role.CUSTOMER)) == []


def test_groups_are_ordered_and_empty_groups_left_out() -> None:
    groups = [v.group.key for v in visible_navigation(principal_with(Role.SUPPORT_AGENT))]
    assert groups == ["overview", "account"]


def test_registering_an_entry_twice_differently_is_refused() -> None:
    clash = NavEntry("dashboard", "nav.profile", "/console/elsewhere", "console.access",
                     "overview", "home")
    with pytest.raises(ValueError, match="twice"):
        navigation.register(clash)


def test_an_entry_in_an_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown group"):
        navigation.register(NavEntry("x", "nav.audit", "/console/x", "console.access",
                                     "no-such-group", "home"))


def test_tiles_are_computed_only_for_permitted_principals(session: Session) -> None:
    computed: list[str] = []

    def figure(_session: object, principal: Principal) -> int:
        computed.append(principal.name)
        return 7

    probe = Tile("probe", "nav.audit", "console.audit.view", figure)
    tiles.register_tile(probe)
    try:
        support = tiles_for(session, principal_with(Role.SUPPORT_AGENT))
        assert "probe" not in [f.tile.key for f in support]
        assert computed == []
        auditor = [f for f in tiles_for(session, principal_with(Role.AUDITOR))
                   if f.tile.key == "probe"]
        assert [f.value for f in auditor] == [7]
    finally:
        del tiles._TILES["probe"]
