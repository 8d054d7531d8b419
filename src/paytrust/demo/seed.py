"""The demo organisation: one user per role, an integrator API key, the default rule pack and
a champion model trained on simulated history.

Seeding goes through each module's service, like any other caller, and is idempotent: a second
``paytrust demo`` on the same database keeps what is there and only issues a fresh API key.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from sqlalchemy.orm import Session

from paytrust.config import get_settings
from paytrust.platform.db import Database
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.permissions import Role, api_key_scopes
from paytrust.risk import service as risk_service

DEMO_ACTOR = "system:demo"
DEMO_API_KEY_NAME = "demo-traffic"
# (username, display name, role): one person per role of the organisation.
DEMO_PEOPLE: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Ada Admin", Role.ADMIN),
    ("analyst", "Li Wei (risk analyst)", Role.RISK_ANALYST),
    ("aml", "Chen Jing (AML officer)", Role.AML_OFFICER),
    ("responder", "Sam Responder", Role.INCIDENT_RESPONDER),
    ("agent", "Wang Fang (support agent)", Role.SUPPORT_AGENT),
    ("trainer", "Tina Trainer", Role.TRAINER),
    ("auditor", "Alex Auditor", Role.AUDITOR),
    ("manager", "Zhang Min (manager)", Role.MANAGER),
    ("customer", "Demo Customer", Role.CUSTOMER),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    totp_secret: str


@dataclass(frozen=True)
class DemoOrganisation:
    users: tuple[DemoUser, ...]
    api_key: str


def demo_totp_secret(username: str) -> str:
    """Stable per demo user, so a restarted demo keeps working with the same authenticator
    entry. Derived from the (demo) service secret; the demo refuses to run in production."""
    secret = get_settings().secret_key.get_secret_value()
    digest = hashlib.sha256(f"paytrust-demo-totp:{secret}:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def demo_password(username: str) -> str:
    """Demo passwords are printed at start-up; the demo refuses to run in production."""
    return f"{username}-demo-2026"


def _ensure_user(session: Session, username: str, display_name: str, role: Role) -> DemoUser:
    secret = demo_totp_secret(username)
    if identity_service.find_user(session, username) is not None:
        return DemoUser(username, demo_password(username), role.value, secret)
    user = identity_service.create_user(
        session, actor=DEMO_ACTOR, username=username, email=f"{username}@demo.paytrust.local",
        display_name=display_name, password=demo_password(username), roles=[role],
        locale="zh_Hans" if username in ("analyst", "aml", "agent", "manager") else "en",
    )
    identity_service.start_totp_enrolment(session, user_id=user.id, secret=secret)
    # Enrol with the previous step's code so the current one is still unspent for sign-in.
    previous_code = pyotp.TOTP(secret).at(int(time.time()) - 30)
    identity_service.confirm_totp_enrolment(session, user_id=user.id, code=previous_code)
    return DemoUser(username, demo_password(username), role.value, secret)


def _fresh_api_key(session: Session) -> str:
    for key in identity_service.list_api_keys(session):
        if key.name == DEMO_API_KEY_NAME and key.revoked_at is None:
            identity_service.revoke_api_key(session, actor=DEMO_ACTOR, key_id=key.id)
    raw_key, _ = identity_service.create_api_key(
        session, actor=DEMO_ACTOR, name=DEMO_API_KEY_NAME, scopes=sorted(api_key_scopes()),
    )
    return raw_key


def _ensure_rules(session: Session) -> None:
    if risk_service.active_ruleset(session) is None:
        risk_service.save_ruleset_version(
            session, actor=DEMO_ACTOR, name="default", yaml_text=risk_service.default_pack_yaml(),
            comment="shipped default pack", now=datetime.now(UTC), activate=True,
        )


def seed_demo_organisation(session: Session) -> DemoOrganisation:
    users = tuple(_ensure_user(session, *person) for person in DEMO_PEOPLE)
    _ensure_rules(session)
    return DemoOrganisation(users=users, api_key=_fresh_api_key(session))


def seed_demo_model(database: Database) -> str | None:
    """Train a model on simulated history and promote it, unless a champion exists.

    Takes some seconds of CPU, so the demo runs it beside the server once it is up; the
    scorers pick the champion up when the promotion commits. Returns the new version.
    """
    from paytrust.risk.training import Example, replay_features, time_split, train_model
    from paytrust.simulator import SimulationConfig, simulate

    with database.read_session() as session:
        champion, _ = risk_service.serving_models(session)
        if champion is not None:
            return None
        version = risk_service.next_model_version(session, datetime.now(UTC))
    history = [Example(row.transaction, row.is_fraud, row.typology)
               for row in simulate(SimulationConfig(customers=800, days=30, seed=20_260_101))]
    train, test = time_split(replay_features(history), train_fraction=0.7)
    trained = train_model(train, test, version=version)
    with database.session_scope() as session:
        now = datetime.now(UTC)
        risk_service.save_model_version(
            session, actor=DEMO_ACTOR, model=trained.model, metrics=trained.metrics, now=now,
            comment=f"demo: trained on {len(history):,} simulated transactions")
        risk_service.promote_model(session, actor=DEMO_ACTOR, version=version, now=now)
    return version
