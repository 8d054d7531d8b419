"""REST routes of notifications: channels (admin) and the caller's own in-app inbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from paytrust.platform.errors import problem_schema
from paytrust.platform.identity.deps import DbSession, api_router, require
from paytrust.platform.identity.principal import Principal
from paytrust.platform.notify import service
from paytrust.platform.notify.enums import ChannelKind, WebhookFormat
from paytrust.platform.notify.models import NotificationChannel
from paytrust.platform.notify.permissions import NOTIFICATIONS_MANAGE, NOTIFICATIONS_READ_OWN
from paytrust.platform.notify.schemas import (
    ChannelCreate,
    ChannelRead,
    DeliveryRead,
    MarkedRead,
    NotificationList,
    NotificationRead,
)

router = api_router(prefix="/api/v1/notifications", tags=["notifications"])

Manager = Annotated[Principal, require(NOTIFICATIONS_MANAGE)]
Reader = Annotated[Principal, require(NOTIFICATIONS_READ_OWN)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_schema("No such channel or notification"),
}


def _channel_read(channel: NotificationChannel) -> ChannelRead:
    return ChannelRead(
        id=channel.id, name=channel.name, kind=ChannelKind(channel.kind),
        format=WebhookFormat(channel.format) if channel.format else None,
        target_display=service.describe_target(channel), has_secret=channel.secret is not None,
        enabled=channel.enabled, created_at=channel.created_at,
    )


def _user_id(principal: Principal) -> str:
    return principal.user_id or principal.id


@router.get("/channels")
def list_channels(caller: Manager, db: DbSession) -> list[ChannelRead]:
    return [_channel_read(channel) for channel in service.list_channels(db)]


@router.post("/channels", status_code=201,
             responses={409: problem_schema("A channel with this name exists")})
def create_channel(data: ChannelCreate, caller: Manager, db: DbSession) -> ChannelRead:
    return _channel_read(service.create_channel(db, data, actor=caller.actor))


@router.get("/channels/{channel_id}", responses=NOT_FOUND)
def get_channel(channel_id: str, caller: Manager, db: DbSession) -> ChannelRead:
    return _channel_read(service.get_channel(db, channel_id))


@router.post("/channels/{channel_id}/disable", responses=NOT_FOUND)
def disable_channel(channel_id: str, caller: Manager, db: DbSession) -> ChannelRead:
    return _channel_read(service.set_channel_enabled(db, channel_id, False, actor=caller.actor))


@router.post("/channels/{channel_id}/enable", responses=NOT_FOUND)
def enable_channel(channel_id: str, caller: Manager, db: DbSession) -> ChannelRead:
    return _channel_read(service.set_channel_enabled(db, channel_id, True, actor=caller.actor))


@router.post("/channels/{channel_id}/test", status_code=202, responses=NOT_FOUND)
def send_test(channel_id: str, caller: Manager, db: DbSession) -> DeliveryRead:
    """Queue a test message; the job runner sends it (follow it in the delivery history)."""
    return DeliveryRead.model_validate(service.send_test(db, channel_id, actor=caller.actor))


@router.get("/deliveries")
def list_deliveries(
    caller: Manager, db: DbSession, channel_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryRead]:
    deliveries = service.list_deliveries(db, channel_id=channel_id, limit=limit)
    return [DeliveryRead.model_validate(delivery) for delivery in deliveries]


@router.get("/me")
def my_notifications(
    caller: Reader, db: DbSession, unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationList:
    user_id = _user_id(caller)
    items = service.list_notifications(db, user_id, unread_only=unread_only, limit=limit)
    return NotificationList(
        items=[NotificationRead.model_validate(item) for item in items],
        unread_count=service.count_unread(db, user_id),
    )


@router.post("/me/{notification_id}/read", responses=NOT_FOUND)
def mark_read(notification_id: str, caller: Reader, db: DbSession) -> NotificationRead:
    notification = service.mark_read(db, _user_id(caller), notification_id)
    return NotificationRead.model_validate(notification)


@router.post("/me/read-all")
def mark_all_read(caller: Reader, db: DbSession) -> MarkedRead:
    return MarkedRead(marked=service.mark_all_read(db, _user_id(caller)))
