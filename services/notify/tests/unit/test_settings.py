"""Settings production refuses: loopback webhook targets are for development only."""

from __future__ import annotations

import pytest
from notify.config import Settings

PRODUCTION = {
    "environment": "production",
    "internal_secret": "x" * 48,
    "public_base_url": "https://sign.example.cn",
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
