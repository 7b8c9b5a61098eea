"""E-mail building and the SMTP adapter's failure path (no real relay needed)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from notify.adapters.channels import ChannelError, Outgoing, SmtpChannel, SmtpConfig, build_email


def test_an_email_carries_chinese_text_and_the_headers_relays_need() -> None:
    mail = build_email(
        Outgoing(address="lawyer@example.com", subject="合同已审核通过", body="《采购合同》已审核"),
        sender="lexseal <no-reply@firm.example>",
    )
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert parsed["To"] == "lawyer@example.com"
    assert parsed["Subject"] == "合同已审核通过"
    assert parsed["Message-ID"].endswith("@firm.example>")
    assert parsed["Date"]
    assert parsed.get_content().strip() == "《采购合同》已审核"


async def test_an_unreachable_relay_is_a_retryable_channel_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        channel = SmtpChannel(SmtpConfig(host="127.0.0.1", port=port, sender="a@b.c", timeout=2))
        with pytest.raises(ChannelError):
            await channel.send(Outgoing(address="x@y.z", subject="s", body="b"))
