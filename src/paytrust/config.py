"""One Settings object for the whole service (env prefix ``PAYTRUST_``).

Nothing else reads ``os.environ``. Nested groups use ``__`` as the delimiter, e.g.
``PAYTRUST_NOTIFY__SMTP_PORT=2525``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "paytrust-demo-secret-change-me"
DEFAULT_DATA_KEY = "ZGVtby1kYXRhLWtleS0zMi1ieXRlcy1sb25nLSEhISE="  # base64 of 32 demo bytes


class RiskSettings(BaseModel):
    redis_url: str | None = None
    base_currency: str = "CNY"
    challenge_threshold: float = 0.5
    review_threshold: float = 0.75
    block_threshold: float = 0.92
    recorder_batch_size: int = 500
    recorder_flush_ms: int = 200
    # Where scored transactions are written: a process of their own (the serving process
    # keeps its CPU for scoring) or a worker thread (no extra process; tests).
    recorder_writer: Literal["process", "thread"] = "process"


class NotifySettings(BaseModel):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "paytrust@localhost"
    webhook_timeout_s: float = 5.0


class IdentitySettings(BaseModel):
    session_ttl_minutes: int = 480
    session_idle_minutes: int = 30
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    totp_issuer: str = "PayTrust"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAYTRUST_", env_nested_delimiter="__", extra="ignore"
    )

    environment: str = Field(default="demo", pattern="^(demo|test|production)$")
    database_url: str = "sqlite:///paytrust.db"
    data_dir: Path = Path("var")
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    # Field-encryption keys: "id:base64key,id2:base64key"; the first one encrypts new data.
    data_keys: SecretStr = SecretStr(f"k1:{DEFAULT_DATA_KEY}")
    nats_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    default_locale: str = "en"

    risk: RiskSettings = RiskSettings()
    notify: NotifySettings = NotifySettings()
    identity: IdentitySettings = IdentitySettings()

    @property
    def is_demo(self) -> bool:
        return self.environment in ("demo", "test")

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_demo(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEFAULT_SECRET:
                raise ValueError("PAYTRUST_SECRET_KEY must be set in production")
            if DEFAULT_DATA_KEY in self.data_keys.get_secret_value():
                raise ValueError("PAYTRUST_DATA_KEYS must be set in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
