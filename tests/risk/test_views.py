"""The risk console pages: on the shell, permission-checked, forms with CSRF, three languages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from paytrust.platform.identity.permissions import Role
from paytrust.risk import service as risk_service
from tests.console._pages import HTML, csrf_from
from tests.platform.identity.factories import sign_in

PAGES = ["/console/risk/rules", "/console/risk/lists", "/console/risk/alerts",
         "/console/risk/decisions", "/console/risk/models", "/console/risk/backtest"]
BROKEN_RULESET = """ruleset: default
description: {en: "test", zh: "测试"}
rules:
  - id: big_amount
    description: {en: "Big amount", zh: "大额"}
    when: txn.amount > > 1000
    score: 0.5
    severity: high
"""
FIXED_RULESET = BROKEN_RULESET.replace("> > 1000", "> 1000")


@pytest.fixture
def analyst(client: TestClient, session: Session) -> TestClient:
    sign_in(client, session, [Role.RISK_ANALYST])
    return client


def _post_form(client: TestClient, path: str, page: str, **fields: str) -> object:
    token = csrf_from(client, page)
    return client.post(path, data={"csrf_token": token, **fields}, headers=HTML,
                       follow_redirects=False)


@pytest.mark.parametrize("path", PAGES)
def test_every_risk_page_renders_on_the_shell_for_an_analyst(
    analyst: TestClient, path: str
) -> None:
    page = analyst.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    assert 'aria-label="Main navigation"' in page.text
    assert f'href="{path}" data-nav=' in page.text  # its own sidebar entry
    assert "aria-current=\"page\"" in page.text
    assert "style=" not in page.text
    assert "<script>" not in page.text  # the CSP forbids inline scripts
    assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", PAGES)
def test_a_support_agent_is_refused_every_risk_page_and_not_offered_them(
    client: TestClient, session: Session, path: str
) -> None:
    sign_in(client, session, [Role.SUPPORT_AGENT])
    page = client.get(path, headers=HTML)
    assert page.status_code == 403
    assert "data-nav=\"risk_" not in page.text


def test_dashboard_shows_risk_tiles_to_the_analyst(analyst: TestClient) -> None:
    dashboard = analyst.get("/console", headers=HTML)
    assert 'data-tile="risk_open_alerts"' in dashboard.text
    assert 'data-tile="risk_block_24h"' in dashboard.text


def test_validating_a_broken_rule_shows_its_line_and_column(analyst: TestClient) -> None:
    page = _post_form(analyst, "/console/risk/rules/validate", "/console/risk/rules",
                      name="default", yaml=BROKEN_RULESET)
    assert page.status_code == 422  # type: ignore[attr-defined]
    found = re.search(r'data-line="(\d+)" data-column="(\d+)">line (\d+), column (\d+)',
                      page.text)  # type: ignore[attr-defined]
    assert found is not None
    assert found.group(1) == found.group(3) == "6"
    assert 'data-error-lines="6"' in page.text  # type: ignore[attr-defined]
    assert "txn.amount &gt; &gt; 1000" in page.text  # type: ignore[attr-defined]


def test_save_activate_and_roll_back_through_the_forms(
    analyst: TestClient, session: Session
) -> None:
    rules = "/console/risk/rules"
    for comment, text in (("first", FIXED_RULESET), ("raise", FIXED_RULESET.replace("0.5", "0.7"))):
        saved = _post_form(analyst, rules + "/versions", rules, name="default", yaml=text,
                           comment=comment, activate="true")
        assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    page = analyst.get(rules + "?notice=saved", headers=HTML)
    assert "The rule set was saved as a new version." in page.text
    assert re.search(r'data-version="2">.*?raise', page.text, re.S)
    rolled = _post_form(analyst, rules + "/rollback", rules, name="default", version="1")
    assert rolled.status_code == 303  # type: ignore[attr-defined]
    assert risk_service.active_ruleset(session) is not None
    session.expire_all()
    active = risk_service.active_ruleset(session)
    assert active is not None
    assert active.version == 1
    diff = analyst.get(rules + "/diff?name=default&from=1&to=2", headers=HTML)
    assert 'class="diff__line diff__line--add">+    score: 0.7' in diff.text


def test_a_form_without_its_csrf_token_is_refused(analyst: TestClient) -> None:
    analyst.get("/console/risk/rules", headers=HTML)
    refused = analyst.post("/console/risk/rules/versions", headers=HTML,
                           data={"name": "default", "yaml": FIXED_RULESET})
    assert refused.status_code == 403


def test_saving_an_invalid_rule_set_keeps_the_text_and_lists_the_errors(
    analyst: TestClient
) -> None:
    page = _post_form(analyst, "/console/risk/rules/versions", "/console/risk/rules",
                      name="default", yaml=BROKEN_RULESET, comment="oops")
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert "line 6, column" in page.text  # type: ignore[attr-defined]
    assert "No saved version yet" in page.text  # type: ignore[attr-defined]


def test_trying_a_condition_shows_hit_and_the_explain_tree(analyst: TestClient) -> None:
    page = _post_form(analyst, "/console/risk/rules/try", "/console/risk/rules",
                      name="default", expression="txn.amount > 1000",
                      context='{"txn.amount": 2500}')
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert 'data-trial-hit="true"' in page.text  # type: ignore[attr-defined]
    assert "txn.amount &gt; 1000  =&gt;  true" in page.text  # type: ignore[attr-defined]


def test_adding_and_removing_a_list_entry(analyst: TestClient) -> None:
    lists = "/console/risk/lists"
    added = _post_form(analyst, lists, lists, kind="device", action="block", value="dev-9",
                       reason="mule", expires_at="2099-01-01T00:00")
    assert added.status_code == 303  # type: ignore[attr-defined]
    page = analyst.get(lists + "?kind=device", headers=HTML)
    entry_id = re.search(r'action="/console/risk/lists/([^/]+)/remove"', page.text)
    assert entry_id is not None
    assert 'data-entry="dev-9"' in page.text
    removed = _post_form(analyst, f"{lists}/{entry_id.group(1)}/remove", lists)
    assert removed.status_code == 303  # type: ignore[attr-defined]
    assert 'data-entry="dev-9"' not in analyst.get(lists, headers=HTML).text


def test_a_bad_import_file_imports_nothing_and_shows_each_bad_row(
    analyst: TestClient
) -> None:
    content = b"kind,action,value\ndevice,block,dev-1\nplanet,block,mars\nip,allow,999.1.1.1\n"
    token = csrf_from(analyst, "/console/risk/lists")
    page = analyst.post("/console/risk/lists/import", headers=HTML,
                        data={"csrf_token": token},
                        files={"upload": ("entries.csv", content, "text/csv")})
    assert page.status_code == 422
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td><code>(\w+)</code>', page.text)
    assert rows == [("2", "kind"), ("3", "value")]
    assert 'data-entry="dev-1"' not in page.text  # all or nothing


def test_pages_are_translated_into_simplified_and_traditional_chinese(
    analyst: TestClient
) -> None:
    _post_form(analyst, "/console/language", "/console/risk/rules", locale="zh_Hans")
    hans = analyst.get("/console/risk/rules", headers=HTML).text
    assert '<button class="button" type="submit">验证</button>' in hans
    assert ">风控<" in hans
    assert "近1小时内" in hans  # a vocabulary description, Simplified from the engine
    _post_form(analyst, "/console/language", "/console/risk/rules", locale="zh_Hant")
    hant = analyst.get("/console/risk/rules", headers=HTML).text
    assert ">風控<" in hant
    assert "近1小時內" in hant  # converted from the engine's Simplified text
    assert '<button class="button" type="submit">驗證</button>' in hant
    lists = analyst.get("/console/risk/lists", headers=HTML).text
    assert "黑白名單" in lists
