"""Identity services (being written): until then every credential is refused."""

from __future__ import annotations

from sqlalchemy.orm import Session

from paytrust.platform.errors import Unauthenticated
from paytrust.platform.identity.principal import Principal


def authenticate_api_key(session: Session, raw_key: str) -> Principal:
    raise Unauthenticated("API keys are not available yet")


def authenticate_session_token(session: Session, token: str) -> Principal:
    raise Unauthenticated("console sessions are not available yet")
