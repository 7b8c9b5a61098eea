"""Notify settings (`NOTIFY_*`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the notify service."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify"
    port: int = 8105

    # background senders (webhooks, e-mail/SMS): how often they look for due work
    dispatch_poll_interval: float = 1.0
    dispatch_batch: int = 20
    # a leased row is retried by another replica if its sender dies mid-send
    dispatch_lease_seconds: float = 120.0

    webhook_timeout: float = 10.0
    # the partner bus: the same masked, versioned payloads as the webhooks, published to this
    # topic exchange (routing key = event type) for partners inside the firm's network
    partner_exchange: str = "lexseal.partner"
    # 30 s doubling to 6 h, 22 tries: a delivery is retried for about 3 days (74.5 h), then it
    # fails, the subscription is marked failing and its owner is notified
    webhook_max_attempts: int = 22
    webhook_backoff_base: float = 30.0
    webhook_backoff_max: float = 6 * 3600.0
    # partner endpoints may not resolve to private (RFC 1918, link-local, reserved) addresses
    # unless this is set (a partner inside the firm's network); loopback is never among them
    webhook_allow_private_targets: bool = False
    # after a secret rotation deliveries are signed with both secrets for this long
    webhook_secret_overlap_seconds: float = 24 * 3600.0
    # development only (production refuses it): endpoints on this machine (127.0.0.1, ::1),
    # such as the receiver `lexseal demo` listens on
    webhook_allow_loopback_targets: bool = False

    # e-mail: "sandbox" records what would be sent; "smtp" sends through the relay below
    email_provider: Literal["sandbox", "smtp"] = "sandbox"
    # SMS: "sandbox" records what would be sent; "http" POSTs {to, text} to the gateway below
    sms_provider: Literal["sandbox", "http"] = "sandbox"
    sms_provider_url: str | None = None
    sms_provider_token: str | None = None
    # production refuses sandbox e-mail/SMS (they send nothing) unless this is set (staging)
    allow_sandbox_providers: bool = False
    message_max_attempts: int = 5
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_sender: str = "lexseal <no-reply@localhost>"

    @model_validator(mode="after")
    def _refuse_loopback_in_production(self) -> Settings:
        if self.environment == "production" and self.webhook_allow_loopback_targets:
            raise ValueError(
                "production refuses NOTIFY_WEBHOOK_ALLOW_LOOPBACK_TARGETS: partner webhooks may"
                " not reach this machine"
            )
        return self

    @model_validator(mode="after")
    def _refuse_sandbox_in_production(self) -> Settings:
        named = (
            ("NOTIFY_EMAIL_PROVIDER", self.email_provider),
            ("NOTIFY_SMS_PROVIDER", self.sms_provider),
        )
        sandboxed = [name for name, value in named if value == "sandbox"]
        if self.environment == "production" and sandboxed and not self.allow_sandbox_providers:
            raise ValueError(
                "production refuses sandbox e-mail/SMS providers, which send nothing"
                f" ({', '.join(sandboxed)}=sandbox): configure real providers, or set"
                " NOTIFY_ALLOW_SANDBOX_PROVIDERS=true for a staging system"
            )
        if self.sms_provider == "http" and not self.sms_provider_url:
            raise ValueError("NOTIFY_SMS_PROVIDER_URL is required for the http SMS provider")
        return self


@lru_cache
def get_settings() -> Settings:
    """Return the settings read from the environment (once)."""
    return Settings()
