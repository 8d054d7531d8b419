"""Notifications: in-app messages, e-mail over SMTP and signed webhooks (generic, Slack-style,
DingTalk, WeCom).

Callers use ``service.notify_user`` / ``service.notify_channel`` inside their unit of work. In-app
rows are written there; e-mails and webhook calls are written as ``platform_notification_delivery``
rows (the notifications' outbox: they exist exactly when the caller's transaction committed) and
sent by the job runner's delivery pump, outside any transaction, with exponential backoff.
"""
