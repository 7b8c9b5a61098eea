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
