"""Run the demo: migrate, seed, serve, and feed the service simulated traffic over HTTP."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import typer
import uvicorn

from paytrust.app import create_app
from paytrust.config import Settings
from paytrust.demo.seed import DemoOrganisation, seed_demo_model, seed_demo_organisation
from paytrust.platform import migrate
from paytrust.platform.db import Database


@dataclass(frozen=True)
class DemoOptions:
    host: str
    port: int
    data_dir: Path
    rate: float  # simulated transactions per second; 0 turns traffic off
    customers: int
    seed: int


def demo_settings(options: DemoOptions) -> Settings:
    options.data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        environment="demo", database_url=f"sqlite:///{options.data_dir / 'demo.db'}",
        data_dir=options.data_dir, host=options.host, port=options.port,
    )


def _banner(options: DemoOptions, organisation: DemoOrganisation, startup_s: float) -> str:
    url = f"http://{options.host}:{options.port}"
    lines = [
        "",
        f"PayTrust demo is up in {startup_s:.1f} s: console {url}/console, API {url}/api/docs",
        "Sign in with a user below, then the 6-digit code of its TOTP secret",
        "(add the secret to any authenticator app, or: python -c \"import pyotp; "
        "print(pyotp.TOTP('SECRET').now())\").",
        "",
        f"  {'user':<10} {'role':<20} {'password':<22} TOTP secret",
    ]
    lines += [
        f"  {u.username:<10} {u.role:<20} {u.password:<22} {u.totp_secret}"
        for u in organisation.users
    ]
    lines += ["", f"Integrator API key (scoring): {organisation.api_key}", ""]
    return "\n".join(lines)


def _start_traffic(options: DemoOptions, api_key: str, stop: threading.Event) -> threading.Thread:
    from paytrust.simulator.sender import send_simulated_traffic

    def feed() -> None:
        send_simulated_traffic(
            f"http://{options.host}:{options.port}", api_key=api_key, rate=options.rate,
            customers=options.customers, seed=options.seed, stop=stop,
        )

    thread = threading.Thread(target=feed, name="demo-traffic", daemon=True)
    thread.start()
    return thread


def _train_model_in_background(database: Database) -> None:
    def train() -> None:
        try:
            version = seed_demo_model(database)
        except Exception:  # the demo goes on scoring on rules
            logging.getLogger(__name__).exception("training the demo model failed")
            return
        if version is not None:
            typer.echo(f"model {version} trained on simulated history and promoted: payments "
                       "are now scored by rules and the model (console: Risk > Models)")

    threading.Thread(target=train, name="demo-model", daemon=True).start()


def run_demo(options: DemoOptions, started_at: float) -> None:
    settings = demo_settings(options)
    migrate.upgrade(settings.database_url)
    database = Database(settings.database_url)
    with database.session_scope() as session:
        organisation = seed_demo_organisation(session)
    app = create_app(settings, database, settle_heap=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host=options.host, port=options.port, log_level="warning")
    )
    stop = threading.Event()

    def announce_when_ready() -> None:
        while not server.started and not stop.is_set():
            time.sleep(0.05)
        typer.echo(_banner(options, organisation, time.perf_counter() - started_at))
        if options.rate > 0:
            _start_traffic(options, organisation.api_key, stop)
        _train_model_in_background(database)

    threading.Thread(target=announce_when_ready, daemon=True).start()
    try:
        server.run()
    finally:
        stop.set()
