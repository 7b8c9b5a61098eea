"""E-mail and SMS delivery behind one small interface: a sandbox, real SMTP, an SMS gateway."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import httpx


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: one message to one address."""

    address: str
    subject: str
    body: str


class ChannelError(Exception):
    """The provider refused or could not take the message; it will be retried."""


class Channel(Protocol):
    """Sends one kind of message (`email` or `sms`) through one provider."""

    kind: str
    provider: str

    async def send(self, message: Outgoing) -> None:
        """Hand `message` to the provider; raise ChannelError when it did not take it."""
        ...


class SandboxChannel:
    """Sends nothing: the outgoing-messages table, labelled sandbox, shows what would have gone."""

    provider = "sandbox"

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def send(self, message: Outgoing) -> None:
        """Accept the message without sending it anywhere."""
        return None


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP relay."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    security: str = "starttls"  # starttls | ssl | none
    timeout: float = 20.0


def build_email(message: Outgoing, *, sender: str) -> EmailMessage:
    """Return the MIME e-mail for `message` (UTF-8 plain text, with Date and Message-ID)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(message.body, charset="utf-8")
    return mail


class SmtpChannel:
    """Sends e-mail through an SMTP relay (smtplib, on a worker thread)."""

    kind = "email"
    provider = "smtp"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _send_blocking(self, mail: EmailMessage) -> None:
        c = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if c.security == "ssl":
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        with smtp:
            if c.security == "starttls":
                smtp.starttls(context=context)
            if c.username:
                smtp.login(c.username, c.password)
            smtp.send_message(mail)

    async def send(self, message: Outgoing) -> None:
        """Send one e-mail; raise ChannelError when the relay does not accept it."""
        mail = build_email(message, sender=self.config.sender)
        try:
            await asyncio.to_thread(self._send_blocking, mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}"[:500]) from exc


class HttpSmsChannel:
    """A real SMS gateway: POST ``{"to": ..., "text": ...}`` (bearer token); 2xx means taken."""

    kind = "sms"
    provider = "http"

    def __init__(
        self,
        *,
        url: str,
        token: str | None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url, self.token, self.timeout, self.transport = url, token, timeout, transport

    async def send(self, message: Outgoing) -> None:
        """Hand the text to the gateway; a refusal or an unreachable gateway is retried."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                r = await client.post(
                    self.url, json={"to": message.address, "text": message.body}, headers=headers
                )
        except httpx.HTTPError as exc:
            raise ChannelError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if not 200 <= r.status_code < 300:
            raise ChannelError(f"SMS gateway answered {r.status_code}")
