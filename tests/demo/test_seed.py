"""The demo organisation: a user per role who can sign in with MFA, a working API key."""

from __future__ import annotations

import time

import pyotp
import pytest

from paytrust.demo.seed import seed_demo_model, seed_demo_organisation
from paytrust.platform.db import Database
from paytrust.platform.errors import Unauthenticated
from paytrust.platform.identity import service as identity_service
from paytrust.platform.identity.permissions import Role
from paytrust.risk import service as risk_service


def test_seed_gives_every_role_a_user_who_can_sign_in_with_mfa(database: Database) -> None:
    with database.session_scope() as session:
        organisation = seed_demo_organisation(session)
    assert {user.role for user in organisation.users} == {role.value for role in Role}
    admin = next(user for user in organisation.users if user.role == "admin")
    with database.session_scope() as session:
        login = identity_service.authenticate_password(
            session, username=admin.username, password=admin.password)
        assert login.mfa_enrolled
        identity_service.verify_second_factor(
            session, user_id=login.user_id, code=pyotp.TOTP(admin.totp_secret).now())
        assert risk_service.active_ruleset(session) is not None
        principal = identity_service.authenticate_api_key(session, organisation.api_key)
    assert principal.can("risk.transactions.score")


def test_seeding_again_keeps_people_and_replaces_the_demo_key(database: Database) -> None:
    with database.session_scope() as session:
        first = seed_demo_organisation(session)
    time.sleep(0.01)
    with database.session_scope() as session:
        second = seed_demo_organisation(session)
        assert len(identity_service.list_users(session)) == len(Role)
        assert [u.totp_secret for u in first.users] == [u.totp_secret for u in second.users]
        with pytest.raises(Unauthenticated):
            identity_service.authenticate_api_key(session, first.api_key)
        identity_service.authenticate_api_key(session, second.api_key)


def test_the_demo_trains_and_promotes_a_model_once(database: Database) -> None:
    version = seed_demo_model(database)
    assert version is not None
    with database.read_session() as session:
        champion, _ = risk_service.serving_models(session)
        assert champion is not None
        assert champion.version == version
        assert champion.metrics["auc"] > 0.8  # measured on later simulated days
    assert seed_demo_model(database) is None  # a champion exists: nothing more to do
