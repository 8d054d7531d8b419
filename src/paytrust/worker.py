"""The worker factory: every module's periodic jobs, outbox handlers and pumps in one runner.

Like ``app.create_app`` for routers: a module's ``jobs.py`` registers at import; add it here.
"""

from __future__ import annotations

import importlib

from paytrust.config import Settings
from paytrust.platform.db import Database, utcnow
from paytrust.platform.jobs import Clock, JobRunner, registry
from paytrust.platform.notify import jobs as notify_jobs

JOB_MODULES: tuple[str, ...] = ()  # e.g. "paytrust.cases.jobs", as modules land


def build_runner(settings: Settings, database: Database, clock: Clock = utcnow) -> JobRunner:
    for module in JOB_MODULES:
        importlib.import_module(module)
    job_registry = registry.copy()
    notify_jobs.register(job_registry, settings.notify)
    return JobRunner(database, clock, job_registry=job_registry)
