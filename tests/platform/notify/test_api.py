"""The notifications API: admins manage channels, every staff member reads their own inbox."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paytrust.platform.db import Database
from paytrust.platform.identity import cache
from paytrust.platform.identity.permissions import permissions_for_roles
from paytrust.platform.identity.principal import Principal
from paytrust.platform.notify import service
from paytrust.platform.notify.message import Message

TOKEN_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ROBOT-KEY"


def _caller(role: str, user_id: str) -> dict[str, str]:
    """Credentials of a signed-in ``role``: the principal cache resolves the key without the
    identity tables."""
    token = f"token-{role}-{user_id}"
    cache.put("api_key", token, Principal(
        kind="api_key", id=f"key-{user_id}", name=user_id, roles=frozenset({role}),
        permissions=permissions_for_roles([role]), user_id=user_id,
    ))
    return {"X-API-Key": token}


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    return _caller("admin", "u-admin")


@pytest.fixture
def analyst(client: TestClient) -> dict[str, str]:
    return _caller("risk_analyst", "u-analyst")


def test_admin_creates_lists_tests_and_disables_a_channel(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post("/api/v1/notifications/channels", headers=admin, json={
        "name": "wecom-ops", "kind": "webhook", "target": TOKEN_URL, "format": "wecom",
    })
    assert created.status_code == 201, created.text
    channel = created.json()
    assert channel["target_display"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    assert "ROBOT-KEY" not in created.text
    assert channel["has_secret"] is False

    listed = client.get("/api/v1/notifications/channels", headers=admin).json()
    assert [c["name"] for c in listed] == ["wecom-ops"]

    tested = client.post(f"/api/v1/notifications/channels/{channel['id']}/test", headers=admin)
    assert tested.status_code == 202
    assert tested.json()["status"] == "pending"
    history = client.get("/api/v1/notifications/deliveries", headers=admin,
                         params={"channel_id": channel["id"]}).json()
    assert [d["id"] for d in history] == [tested.json()["id"]]

    disabled = client.post(f"/api/v1/notifications/channels/{channel['id']}/disable",
                           headers=admin)
    assert disabled.json()["enabled"] is False


def test_duplicate_channel_name_is_a_conflict_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"name": "mail", "kind": "email", "target": "risk@bank.test"}
    client.post("/api/v1/notifications/channels", headers=admin, json=body)

    again = client.post("/api/v1/notifications/channels", headers=admin, json=body)

    assert again.status_code == 409
    assert again.json()["type"] == "/problems/conflict"


def test_analyst_may_not_manage_channels(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.get("/api/v1/notifications/channels", headers=analyst)

    assert response.status_code == 403


def test_anonymous_caller_gets_401(client: TestClient) -> None:
    assert client.get("/api/v1/notifications/me").status_code == 401


def test_staff_member_reads_and_marks_their_own_notifications(
    client: TestClient, database: Database, analyst: dict[str, str], admin: dict[str, str]
) -> None:
    with database.session_scope() as session:
        assigned = Message("案件已分配", "Case C-7 is yours")
        first = service.notify_user(session, "u-analyst", assigned)
        service.notify_user(session, "u-analyst", Message("second", "body"))
        others = service.notify_user(session, "u-admin", Message("admin only", "body"))

    inbox = client.get("/api/v1/notifications/me", headers=analyst).json()
    assert inbox["unread_count"] == 2
    assert {item["title"] for item in inbox["items"]} == {"案件已分配", "second"}

    marked = client.post(f"/api/v1/notifications/me/{first.id}/read", headers=analyst)
    assert marked.json()["read_at"] is not None
    not_mine = client.post(f"/api/v1/notifications/me/{others.id}/read", headers=analyst)
    assert not_mine.status_code == 404

    assert client.post("/api/v1/notifications/me/read-all", headers=analyst).json() == {
        "marked": 1}
    assert client.get("/api/v1/notifications/me", headers=analyst,
                      params={"unread_only": True}).json()["items"] == []
    assert client.get("/api/v1/notifications/me", headers=admin).json()["unread_count"] == 1
