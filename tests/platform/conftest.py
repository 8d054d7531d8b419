"""Fixtures of the kernel tests: a movable clock, key rings, and real SMTP / HTTP receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from paytrust.platform import crypto
from paytrust.platform.db import utcnow
from tests.platform.receivers import SmtpServer, WebhookReceiver

SERVICE_SECRET = b"test-service-secret"


class FakeClock:
    """An injected clock that only moves when the test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    """Starts a minute ahead of the wall clock: rows the test writes with wall-clock defaults
    (``available_at``, ``next_attempt_at``) are already due for the runner."""
    return FakeClock(utcnow() + timedelta(minutes=1))


@pytest.fixture
def use_keys() -> Iterator[Callable[[str], crypto.KeyRing]]:
    """Install a key ring from a ``"id:base64,..."`` spec; the previous ring is restored after."""
    previous = crypto.keyring()

    def install(spec: str) -> crypto.KeyRing:
        ring = crypto.KeyRing.parse(spec, index_secret=SERVICE_SECRET)
        crypto.configure(ring)
        return ring

    yield install
    crypto.configure(previous)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()
