"""The three catalogues stay complete and in step, and every message id the code uses exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from jinja2 import nodes

from paytrust.console import navigation, tiles
from paytrust.console.csrf import CsrfRejected
from paytrust.console.templating import environment
from paytrust.console.views import routers  # noqa: F401  (registers navigation and tiles)
from paytrust.platform.errors import NotFound, PermissionDenied
from paytrust.platform.i18n import LOCALES, catalogue, translate
from paytrust.platform.identity.permissions import REGISTRY, Role
from paytrust.risk import views as risk_views  # registers the risk pages and templates
from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.enums import AlertSeverity, AlertStatus

SOURCE_ROOT = Path(__file__).resolve().parents[3] / "src" / "paytrust"
MESSAGE_ID = re.compile(r"^[a-z][a-z_]*(\.[a-z0-9_\-]+)+$")
TRANSLATING_CALLS = {"t", "_", "translate"}


def _template_literals() -> set[str]:
    """Every message-id-shaped string constant in every console template."""
    found: set[str] = set()
    for name in environment.list_templates(extensions=["html"]):
        source = environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
        for const in environment.parse(source).find_all(nodes.Const):
            if isinstance(const.value, str) and MESSAGE_ID.match(const.value):
                found.add(const.value)
    return found


def _python_literals() -> set[str]:
    """Keys passed to translate()/t() anywhere, and message-id-shaped strings in the console
    (error keys chosen by views), leaving out permission names."""
    found: set[str] = set()
    for path in SOURCE_ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_console = "console" in path.relative_to(SOURCE_ROOT).parts
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in TRANSLATING_CALLS
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
                found.add(str(node.args[1].value))
            if (in_console and isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and MESSAGE_ID.match(node.value) and node.value not in REGISTRY):
                found.add(node.value)
    return found


def _registered_keys() -> set[str]:
    keys = {group.label_key for group in navigation._GROUPS.values()}
    keys |= {entry.label_key for entry in navigation._ENTRIES.values()}
    keys |= {tile.label_key for tile in tiles._TILES.values()}
    keys |= {f"role.{role}" for role in Role}
    keys |= {f"decision.{d}" for d in ("approve", "challenge", "review", "block")}
    keys |= {f"risk.notice.{n}" for n in (*risk_views.rules.NOTICES, *risk_views.lists.NOTICES,
                                          *risk_views.modelling.NOTICES, "acknowledged")}
    keys |= {f"risk.models.status.{s}" for s in risk_views.modelling.STATUSES}
    keys |= {f"risk.list_kind.{k}" for k in ListKind}
    keys |= {f"risk.list_action.{a}" for a in ListAction}
    keys |= {f"risk.alert_status.{s}" for s in AlertStatus}
    keys |= {f"risk.severity.{s}" for s in AlertSeverity} | {f"risk.type.{f}" for f in FieldType}
    for error in (NotFound, PermissionDenied, CsrfRejected):
        keys |= {f"error.{error.code}.title", f"error.{error.code}.body"}
    return keys


def test_every_catalogue_has_exactly_the_same_message_ids() -> None:
    english = set(catalogue("en"))
    for locale in LOCALES:
        assert set(catalogue(locale)) == english, locale


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_is_empty(locale: str) -> None:
    empty = [key for key, text in catalogue(locale).items() if not text.strip()]
    assert empty == []


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_english(locale: str) -> None:
    placeholders = re.compile(r"\{(\w+)\}")
    for key, text in catalogue(locale).items():
        expected = set(placeholders.findall(catalogue("en")[key]))
        assert set(placeholders.findall(text)) == expected, key


def test_every_message_id_used_in_templates_exists() -> None:
    literals = _template_literals()
    assert "auth.sign_in.title" in literals  # the scan sees the templates
    assert sorted(literals - set(catalogue("en"))) == []


def test_every_message_id_used_in_code_exists() -> None:
    literals = _python_literals()
    assert "auth.error.locked" in literals  # the scan sees the views
    assert sorted(literals - set(catalogue("en"))) == []


def test_every_registered_label_and_dynamic_key_exists() -> None:
    assert sorted(_registered_keys() - set(catalogue("en"))) == []


def test_chinese_catalogues_are_translated_not_copied() -> None:
    assert translate("zh_Hans", "auth.sign_in.title") == "登录"
    assert translate("zh_Hant", "auth.sign_in.title") == "登入"
    same = [k for k, v in catalogue("zh_Hans").items() if v == catalogue("en")[k]]
    assert same == ["app.name"]


def test_translate_fills_placeholders_and_falls_back() -> None:
    assert translate("zh_Hans", "dashboard.welcome", name="李雷") == "欢迎，李雷"
    assert translate("fr", "nav.dashboard") == "Dashboard"
    assert translate("zh_Hant", "no.such.message") == "no.such.message"
