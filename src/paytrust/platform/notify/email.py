"""E-mail over SMTP: a UTF-8 plain-text and HTML message, optional STARTTLS and login."""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from paytrust.config import NotifySettings
from paytrust.platform.notify.message import Message

SEVERITY_COLOURS = {"info": "#2563eb", "warning": "#d97706", "critical": "#dc2626"}


def build_email(message: Message, *, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """A multipart/alternative message; non-ASCII subjects are RFC 2047 encoded by the policy."""
    email = EmailMessage(policy=SMTP)
    email["Subject"] = message.title
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "paytrust.local")
    email.set_content(message.plain_text(), charset="utf-8")
    email.add_alternative(_html_body(message), subtype="html", charset="utf-8")
    return email


def _html_body(message: Message) -> str:
    colour = SEVERITY_COLOURS.get(message.severity, SEVERITY_COLOURS["info"])
    paragraphs = "".join(
        f"<p>{html.escape(paragraph)}</p>" for paragraph in message.body.split("\n\n") if paragraph
    )
    link = ""
    if message.link:
        escaped = html.escape(message.link, quote=True)
        link = f'<p><a href="{escaped}">{escaped}</a></p>'
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f'<h2 style="color:{colour}">{html.escape(message.title)}</h2>{paragraphs}{link}'
        "</body></html>"
    )


def send_email(settings: NotifySettings, email: EmailMessage) -> None:
    """Hand ``email`` to the configured SMTP server; raises ``smtplib.SMTPException`` /
    ``OSError`` on failure (the caller schedules a retry)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                      timeout=settings.webhook_timeout_s) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password is not None:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(email)
