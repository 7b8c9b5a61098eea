"""The background senders, run in the app's lifespan: webhooks, e-mail/SMS, the partner bus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from servicekit.uow import UowFactory

from ..adapters.channels import (
    Channel,
    HttpSmsChannel,
    SandboxChannel,
    SmtpChannel,
    SmtpConfig,
)
from ..adapters.partner_bus import PartnerBus
from ..config import Settings
from ..service_layer.dispatch import deliver_due_webhooks, send_due_messages
from ..service_layer.partner_bus import publish_partner_events

log = logging.getLogger("notify.workers")


def build_channels(settings: Settings) -> dict[str, Channel]:
    """Return the e-mail and SMS channels the settings choose."""
    email: Channel = SandboxChannel("email")
    if settings.email_provider == "smtp":
        email = SmtpChannel(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_sender,
                username=settings.smtp_username,
                password=settings.smtp_password,
                security=settings.smtp_security,
            )
        )
    sms: Channel = SandboxChannel("sms")
    if settings.sms_provider == "http" and settings.sms_provider_url:
        sms = HttpSmsChannel(url=settings.sms_provider_url, token=settings.sms_provider_token)
    return {"email": email, "sms": sms}


async def _loop(name: str, step: Callable[[], Awaitable[int]], interval: float) -> None:
    while True:
        try:
            busy = await step()
        except Exception:
            log.exception("%s sender failed; retrying", name)
            busy = 0
        # A full batch means more may be due: go again at once.
        if not busy:
            await asyncio.sleep(interval)


@asynccontextmanager
async def senders(
    *, uow_factory: UowFactory, settings: Settings, channels: dict[str, Channel]
) -> AsyncIterator[None]:
    """Run the webhook, message and partner-bus senders until the app stops."""
    bus = PartnerBus(amqp_url=settings.amqp_url, exchange=settings.partner_exchange)
    async with httpx.AsyncClient(
        timeout=settings.webhook_timeout, follow_redirects=False
    ) as client:
        tasks = [
            asyncio.create_task(
                _loop(
                    "webhook",
                    lambda: deliver_due_webhooks(
                        uow_factory=uow_factory, client=client, settings=settings
                    ),
                    settings.dispatch_poll_interval,
                )
            ),
            asyncio.create_task(
                _loop(
                    "message",
                    lambda: send_due_messages(
                        uow_factory=uow_factory, channels=channels, settings=settings
                    ),
                    settings.dispatch_poll_interval,
                )
            ),
            asyncio.create_task(
                _loop(
                    "partner bus",
                    lambda: publish_partner_events(
                        uow_factory=uow_factory, bus=bus, batch=settings.dispatch_batch * 10
                    ),
                    settings.dispatch_poll_interval,
                )
            ),
        ]
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await bus.close()
