"""How notifications hook into the job runner."""

from __future__ import annotations

from paytrust.config import NotifySettings
from paytrust.platform.jobs import JobRegistry
from paytrust.platform.notify.delivery import DeliveryPump

PUMP_NAME = "platform.notify.deliver"


def register(job_registry: JobRegistry, settings: NotifySettings) -> None:
    """Deliveries are sent on every runner tick, with the SMTP settings of this process."""
    job_registry.register_pump(PUMP_NAME, DeliveryPump(settings))
