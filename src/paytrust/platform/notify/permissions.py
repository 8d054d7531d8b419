"""Named permissions of notifications."""

from paytrust.platform.identity.permissions import STAFF_ROLES, Role, define

NOTIFICATIONS_MANAGE = define(
    "platform.notifications.manage",
    "Configure notification channels, read delivery history and send test messages",
    [Role.ADMIN],
)
NOTIFICATIONS_READ_OWN = define(
    "platform.notifications.read_own",
    "Read and mark read one's own in-app notifications",
    STAFF_ROLES,
)
