"""Field encryption: AES-GCM values bound to their column, blind indexes, key rotation."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from paytrust.platform import audit, crypto
from paytrust.platform.db import Database
from paytrust.platform.notify.models import NotificationChannel, NotificationDelivery

OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.b64encode(b"n" * 32).decode()
RING = crypto.KeyRing.parse(OLD, index_secret=b"service-secret")

InstallKeys = Callable[[str], crypto.KeyRing]


def test_value_round_trips_and_names_its_key_id() -> None:
    stored = crypto.encrypt("13800138000", "customer.phone", RING)

    assert stored.startswith("v1:old:")
    assert "13800138000" not in stored
    assert crypto.decrypt(stored, "customer.phone", RING) == "13800138000"


def test_same_value_encrypts_differently_each_time() -> None:
    assert crypto.encrypt("x", "t.c", RING) != crypto.encrypt("x", "t.c", RING)


def test_tampered_ciphertext_is_rejected() -> None:
    stored = crypto.encrypt("张三", "customer.name", RING)
    prefix, payload = stored.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 0x01
    tampered = f"{prefix}:{base64.b64encode(bytes(raw)).decode()}"

    with pytest.raises(crypto.DecryptionFailed, match="does not authenticate"):
        crypto.decrypt(tampered, "customer.name", RING)


def test_value_copied_to_another_column_does_not_decrypt() -> None:
    stored = crypto.encrypt("13800138000", "customer.phone", RING)

    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(stored, "customer.email", RING)


def test_unknown_key_id_is_a_clear_error() -> None:
    stored = crypto.encrypt("x", "t.c", crypto.KeyRing.parse(NEW, index_secret=b"s"))

    with pytest.raises(crypto.UnknownKeyId, match=r"key id 'new'.*not in PAYTRUST_DATA_KEYS"):
        crypto.decrypt(stored, "t.c", RING)


@pytest.mark.parametrize("garbage", ["plain text", "v2:old:AAAA", "v1:old:not base64!"])
def test_malformed_stored_values_are_rejected(garbage: str) -> None:
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(garbage, "t.c", RING)


@pytest.mark.parametrize(("spec", "problem"), [
    ("", "no data keys"),
    ("k1", "not 'id:base64key'"),
    ("k1:" + base64.b64encode(b"short").decode(), "AES-256 needs 32"),
    ("k1:***", "not valid base64"),
    (f"{OLD},{OLD}", "listed twice"),
    ("bad_id:" + base64.b64encode(b"k" * 32).decode(), "key id"),
])
def test_bad_key_configuration_is_refused(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        crypto.KeyRing.parse(spec, index_secret=b"s")


def test_generated_key_is_a_usable_aes_256_key() -> None:
    ring = crypto.KeyRing.parse(f"fresh:{crypto.generate_key()}", index_secret=b"s")

    assert crypto.decrypt(crypto.encrypt("ok", "t.c", ring), "t.c", ring) == "ok"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_unicode_text_round_trips(value: str) -> None:
    assert crypto.decrypt(crypto.encrypt(value, "t.c", RING), "t.c", RING) == value


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1))
def test_chinese_text_round_trips(value: str) -> None:
    assert crypto.decrypt(crypto.encrypt(value, "t.c", RING), "t.c", RING) == value


def test_blind_index_is_stable_per_purpose_and_survives_data_key_rotation() -> None:
    rotated = crypto.KeyRing.parse(f"{NEW},{OLD}", index_secret=b"service-secret")

    assert crypto.blind_index("13800138000", "customer.phone", RING) == crypto.blind_index(
        "13800138000", "customer.phone", rotated
    )
    assert crypto.blind_index("13800138000", "customer.phone", RING) != crypto.blind_index(
        "13800138000", "merchant.phone", RING
    )
    other_service = crypto.KeyRing.parse(OLD, index_secret=b"another-secret")
    assert crypto.blind_index("13800138000", "customer.phone", RING) != crypto.blind_index(
        "13800138000", "customer.phone", other_service
    )


def test_encrypted_column_stores_ciphertext_bound_to_table_and_column(
    session: Session, use_keys: InstallKeys
) -> None:
    use_keys(OLD)
    session.add(_channel("ops", target="https://oapi.dingtalk.com/robot/send?access_token=T0KEN"))
    session.flush()

    raw = session.execute(text("SELECT target FROM platform_notification_channel")).scalar_one()
    assert raw.startswith("v1:old:")
    assert "T0KEN" not in raw
    assert crypto.decrypt(raw, "platform_notification_channel.target").endswith("T0KEN")


def test_encrypted_column_refuses_sql_equality() -> None:
    with pytest.raises(TypeError, match="blind_index"):
        select(NotificationChannel).where(NotificationChannel.secret == "x")


def test_rotation_re_encrypts_every_encrypted_column_so_the_old_key_can_go(
    database: Database, use_keys: InstallKeys
) -> None:
    use_keys(OLD)
    with database.session_scope() as session:
        for number in range(7):
            session.add(_channel(f"c{number}", target=f"https://hooks.test/{number}",
                                 secret=f"secret-{number}-密钥"))
        session.add(NotificationDelivery(recipient="张三@example.cn", title="t", body="b",
                                         severity="info", status="sent"))

    use_keys(f"{NEW},{OLD}")
    with database.session_scope() as session:  # old rows still decrypt with both keys held
        assert session.scalars(select(NotificationChannel.secret)).all()
        report = crypto.rotate_keys(session, actor="test", batch_size=3)

    assert report.primary_id == "new"
    assert report.rows_by_table["platform_notification_channel"] == 7
    assert report.rows_by_table["platform_notification_delivery"] == 1
    with database.session_scope() as session:
        stored = session.execute(text(
            "SELECT target, secret FROM platform_notification_channel "
            "UNION ALL SELECT recipient, recipient FROM platform_notification_delivery"
        )).all()
        assert {value.split(":")[1] for row in stored for value in row} == {"new"}
        assert audit.verify(session).ok

    use_keys(NEW)
    with database.session_scope() as session:
        secrets = set(session.scalars(select(NotificationChannel.secret)))
        assert secrets == {f"secret-{number}-密钥" for number in range(7)}
        assert session.scalars(select(NotificationDelivery.recipient)).one() == "张三@example.cn"


def test_rotation_with_nothing_stale_rewrites_nothing(
    database: Database, use_keys: InstallKeys
) -> None:
    use_keys(NEW)
    with database.session_scope() as session:
        session.add(_channel("ops", target="https://hooks.test/ops"))
    with database.session_scope() as session:
        report = crypto.rotate_keys(session, actor="test")

    assert report.rows == 0


def _channel(name: str, *, target: str, secret: str | None = None) -> NotificationChannel:
    return NotificationChannel(name=name, kind="webhook", target=target, format="generic",
                               secret=secret, enabled=True)
