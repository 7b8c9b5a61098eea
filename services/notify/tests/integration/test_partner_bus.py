"""The partner bus: notify publishes to the partner exchange exactly what the webhooks carry
(masked, versioned), never an internal-only event, and forgets what the broker confirmed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import aio_pika
import pytest
from lexseal_events import SmsRequested, SmsRequestedData
from notify.adapters.partner_bus import BusMessage
from notify.adapters.tables import PartnerBusMessage
from notify.bootstrap import create_app
from notify.service_layer.partner_bus import publish_partner_events
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity
from sqlalchemy import text

from .test_inbox import submitted
from .test_webhooks import settings_for

pytestmark = pytest.mark.integration


async def test_partner_events_reach_the_partner_exchange_masked_and_sms_never(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(pg_url, amqp_url, bus, identity)
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        partner_ex = await ch.declare_exchange(
            settings.partner_exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await ch.declare_queue(exclusive=True)
        await queue.bind(partner_ex, routing_key="#")
        try:
            app = create_app(settings)
            async with running(app):
                sms = SmsRequested(
                    source="lexseal/signing",
                    subject="env-1",
                    data=SmsRequestedData(
                        envelope_id="env-1",
                        to="13900139000",
                        text="验证码 042917",
                        purpose="intent_code",
                    ),
                )
                event = submitted()
                # the SMS first: had it been published, it would arrive before the submission
                await publish_raw(amqp_url, bus["exchange"], sms.to_json(), sms.type)
                await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
                message = await _next(queue)
                body = json.loads(message.body)
                assert (message.message_id, message.routing_key) == (event.id, event.type)
                assert message.content_type == "application/cloudevents+json"
                assert body["type"] == "contract.submitted" and body["id"] == event.id
                assert body["dataschema"] == "urn:lexseal:events:contract.submitted:v1"
                signer = body["data"]["signers"][0]
                assert signer["id_number"] != event.data.signers[0].id_number
                assert "13900139000" not in message.body.decode()
                assert "url" not in body["data"]["document"]  # no internal claim-check URL
                # confirmed rows are forgotten: the outbox drains
                for _ in range(200):
                    async with app.state.kit.uow() as uow:
                        left = (
                            await uow.session.execute(
                                text("SELECT count(*) FROM partner_bus_outbox")
                            )
                        ).scalar_one()
                    if left == 0:
                        break
                    await asyncio.sleep(0.05)
                assert left == 0
            assert await queue.get(fail=False) is None  # nothing else: the SMS never went out
        finally:
            await partner_ex.delete()


async def _next(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    for _ in range(400):
        message = await queue.get(fail=False)
        if message is not None:
            await message.ack()
            return message
        await asyncio.sleep(0.05)
    raise AssertionError("nothing arrived on the partner exchange")


class _Recording:
    def __init__(self, fail: bool = False, hang: bool = False) -> None:
        self.fail, self.hang = fail, hang
        self.sent: list[str] = []

    async def publish(self, messages: Sequence[BusMessage]) -> None:
        if self.hang:
            await asyncio.Event().wait()
        if self.fail:
            raise ConnectionError("broker away")
        self.sent.extend(m.event_id for m in messages)


async def test_rows_stay_until_the_broker_confirms_and_go_out_oldest_first(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(pg_url, amqp_url, bus, identity)
    settings = settings.model_copy(update={"dispatch_poll_interval": 3600.0})  # no sender rounds
    app = create_app(settings)
    async with running(app):
        kit = app.state.kit
        async with kit.uow() as uow:
            for n in range(3):
                uow.session.add(
                    PartnerBusMessage(
                        event_id=f"e{n}",
                        event_type="contract.submitted",
                        payload="{}",
                        created_at=datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC),
                    )
                )
            await uow.commit()

        async def left() -> int:
            async with kit.uow() as uow:
                stmt = text("SELECT count(*) FROM partner_bus_outbox")
                return int((await uow.session.execute(stmt)).scalar_one())

        with pytest.raises(ConnectionError):
            await publish_partner_events(uow_factory=kit.uow, bus=_Recording(fail=True), batch=10)
        assert await left() == 3
        with pytest.raises(TimeoutError):
            await publish_partner_events(
                uow_factory=kit.uow, bus=_Recording(hang=True), batch=10, confirm_within=0.2
            )
        assert await left() == 3
        ok = _Recording()
        assert await publish_partner_events(uow_factory=kit.uow, bus=ok, batch=2) == 2
        assert await publish_partner_events(uow_factory=kit.uow, bus=ok, batch=2) == 1
        assert ok.sent == ["e0", "e1", "e2"] and await left() == 0
