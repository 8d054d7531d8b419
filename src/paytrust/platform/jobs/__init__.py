"""Scheduler for periodic jobs, the transactional outbox and the runner that drains both.

    from paytrust.platform import jobs
    jobs.enqueue(session, "case.open_for_alert", {"alert_id": alert.id})   # in the unit of work
    jobs.register_handler("case.open_for_alert", open_case_for_alert)       # in cases/jobs.py
    jobs.register_job("servicedesk.sla_check", check_slas, every=timedelta(minutes=1))
"""

from paytrust.platform.jobs.lease import Lease
from paytrust.platform.jobs.models import Job, JobLease, OutboxMessage
from paytrust.platform.jobs.outbox import drain_outbox, enqueue, retry_delay
from paytrust.platform.jobs.registry import (
    Clock,
    JobRegistry,
    JobSpec,
    Schedule,
    registry,
)
from paytrust.platform.jobs.runner import JobRunner, LeaseUnavailable, RunSummary, list_jobs

register_job = registry.register_job
register_handler = registry.register_handler
register_pump = registry.register_pump

__all__ = [
    "Clock",
    "Job",
    "JobLease",
    "JobRegistry",
    "JobRunner",
    "JobSpec",
    "Lease",
    "LeaseUnavailable",
    "OutboxMessage",
    "RunSummary",
    "Schedule",
    "drain_outbox",
    "enqueue",
    "list_jobs",
    "register_handler",
    "register_job",
    "register_pump",
    "registry",
    "retry_delay",
]
