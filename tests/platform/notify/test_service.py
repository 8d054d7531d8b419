"""Channel administration (audited, secrets encrypted) and the in-app inbox."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.audit import AuditEntry
from paytrust.platform.errors import Conflict, NotFound
from paytrust.platform.notify import service
from paytrust.platform.notify.enums import ChannelKind, Severity, WebhookFormat
from paytrust.platform.notify.message import Message
from paytrust.platform.notify.schemas import ChannelCreate
from tests.platform.notify.factories import WEBHOOK_SECRET, email_channel, webhook_channel

TOKEN_URL = "https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN"


def test_channel_target_and_secret_are_stored_encrypted_and_never_audited_in_clear(
    session: Session,
) -> None:
    channel = webhook_channel(session, TOKEN_URL, fmt=WebhookFormat.DINGTALK)
    session.flush()

    target, secret = session.execute(
        text("SELECT target, secret FROM platform_notification_channel")
    ).one()
    assert target.startswith("v1:")
    assert secret.startswith("v1:")
    assert "SECRET-TOKEN" not in target
    [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.entity_id) == ("notify.channel_created", channel.id)
    assert "SECRET-TOKEN" not in (entry.after_json or "")
    assert WEBHOOK_SECRET not in (entry.after_json or "")
    assert service.describe_target(channel) == "https://oapi.dingtalk.com/robot/send"


def test_channel_names_are_unique(session: Session) -> None:
    webhook_channel(session, "https://hooks.test/a")

    with pytest.raises(Conflict):
        webhook_channel(session, "https://hooks.test/b")


def test_disabling_and_enabling_a_channel_is_audited_once_per_change(session: Session) -> None:
    channel = email_channel(session, "risk@bank.test")

    service.set_channel_enabled(session, channel.id, False, actor="user:admin")
    service.set_channel_enabled(session, channel.id, False, actor="user:admin")
    service.set_channel_enabled(session, channel.id, True, actor="user:admin")

    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["notify.channel_created", "notify.channel_disabled",
                       "notify.channel_enabled"]
    assert audit.verify(session).ok


def test_unknown_channel_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        service.notify_channel(session, "nobody", Message("t", "b"))
    with pytest.raises(NotFound):
        service.set_channel_enabled(session, "missing", False, actor="user:admin")


@pytest.mark.parametrize("fields", [
    {"kind": ChannelKind.EMAIL, "target": "not-an-address"},
    {"kind": ChannelKind.EMAIL, "target": "a@b.test", "secret": "long-enough-secret"},
    {"kind": ChannelKind.WEBHOOK, "target": "ftp://hooks.test/x"},
    {"kind": ChannelKind.WEBHOOK, "target": "hooks.test/x"},
])
def test_channel_input_that_cannot_work_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ChannelCreate.model_validate({"name": "c", **fields})


def test_webhook_format_defaults_to_generic() -> None:
    data = ChannelCreate(name="c", kind=ChannelKind.WEBHOOK, target="https://hooks.test/x")

    assert data.format is WebhookFormat.GENERIC


def test_inbox_lists_only_the_users_own_notifications_newest_first(session: Session) -> None:
    for number in range(3):
        service.notify_user(session, "u1", Message(f"n{number}", "body", severity=Severity.INFO))
        session.flush()
    service.notify_user(session, "u2", Message("not yours", "body"))
    session.flush()

    titles = [n.title for n in service.list_notifications(session, "u1")]

    assert sorted(titles) == ["n0", "n1", "n2"]
    assert service.count_unread(session, "u1") == 3


def test_marking_read_changes_unread_counts_and_others_rows_are_not_found(
    session: Session,
) -> None:
    mine = service.notify_user(session, "u1", Message("mine", "body"))
    theirs = service.notify_user(session, "u2", Message("theirs", "body"))
    service.notify_user(session, "u1", Message("second", "body"))
    session.flush()

    service.mark_read(session, "u1", mine.id)

    assert service.count_unread(session, "u1") == 1
    assert [n.title for n in service.list_notifications(session, "u1", unread_only=True)] == [
        "second"
    ]
    with pytest.raises(NotFound):
        service.mark_read(session, "u1", theirs.id)
    assert service.mark_all_read(session, "u1") == 1
    assert service.count_unread(session, "u1") == 0
    assert service.count_unread(session, "u2") == 1
