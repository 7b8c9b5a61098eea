"""Settings production refuses: loopback webhook targets, sandbox e-mail/SMS that send nothing."""

from __future__ import annotations

import pytest
from notify.config import Settings

PRODUCTION = {
    "environment": "production",
    "internal_secret": "x" * 48,
    "public_base_url": "https://sign.example.cn",
    "email_provider": "smtp",
    "sms_provider": "http",
    "sms_provider_url": "https://sms.example.cn/send",
}


def test_production_refuses_loopback_webhook_targets() -> None:
    with pytest.raises(ValueError, match="NOTIFY_WEBHOOK_ALLOW_LOOPBACK_TARGETS"):
        Settings(**PRODUCTION, webhook_allow_loopback_targets=True)  # type: ignore[arg-type]
    assert not Settings(**PRODUCTION).webhook_allow_loopback_targets  # type: ignore[arg-type]
    assert Settings(environment="development", webhook_allow_loopback_targets=True)


def test_a_delivery_is_retried_for_at_least_three_days_by_default() -> None:
    from notify.domain.webhooks import retry_window

    s = Settings()
    window = retry_window(
        max_attempts=s.webhook_max_attempts, base=s.webhook_backoff_base, cap=s.webhook_backoff_max
    )
    assert window >= 3 * 24 * 3600
    assert window < 4 * 24 * 3600  # and then it fails: the owner hears within a day more


def test_production_refuses_sandbox_email_and_sms_unless_allowed_and_names_the_setting() -> None:
    sandboxed = {**PRODUCTION, "sms_provider": "sandbox"}
    with pytest.raises(ValueError, match="NOTIFY_SMS_PROVIDER=sandbox") as exc:
        Settings(**sandboxed)  # type: ignore[arg-type]
    assert "NOTIFY_ALLOW_SANDBOX_PROVIDERS" in str(exc.value)
    with pytest.raises(ValueError, match="NOTIFY_EMAIL_PROVIDER, NOTIFY_SMS_PROVIDER"):
        Settings(**{**sandboxed, "email_provider": "sandbox"})  # type: ignore[arg-type]
    staging = Settings(**sandboxed, allow_sandbox_providers=True)  # type: ignore[arg-type]
    assert staging.sms_provider == "sandbox"
    assert Settings(environment="development").sms_provider == "sandbox"  # the default
    with pytest.raises(ValueError, match="NOTIFY_SMS_PROVIDER_URL"):
        Settings(**{**PRODUCTION, "sms_provider_url": None})  # type: ignore[arg-type]


async def test_the_http_sms_channel_posts_the_text_and_reports_a_refusal() -> None:
    import json

    import httpx
    from notify.adapters.channels import ChannelError, HttpSmsChannel, Outgoing
    from notify.entrypoints.workers import build_channels

    assert isinstance(build_channels(Settings(**PRODUCTION))["sms"], HttpSmsChannel)  # type: ignore[arg-type]
    seen: list[tuple[str, dict[str, str]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["authorization"], json.loads(request.content)))
        return httpx.Response(200 if len(seen) == 1 else 503)

    channel = HttpSmsChannel(
        url="https://sms.example.cn/send", token="t0k", transport=httpx.MockTransport(answer)
    )
    await channel.send(Outgoing(address="13800138000", subject="", body="验证码 123456"))
    assert seen == [("Bearer t0k", {"to": "13800138000", "text": "验证码 123456"})]
    with pytest.raises(ChannelError, match="503"):
        await channel.send(Outgoing(address="13800138000", subject="", body="x"))
