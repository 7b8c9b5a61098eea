"""Notify's use cases on an in-memory unit of work: no database, no broker."""

from __future__ import annotations

import json

import pytest
from lexseal_events import SmsRequested, SmsRequestedData
from notify.adapters.message_repository import MessageRepository
from notify.adapters.repository import NotificationRepository
from notify.adapters.tables import (
    ContactPoint,
    Notification,
    OutgoingMessage,
    PartnerBusMessage,
    WebhookDelivery,
    WebhookSubscription,
)
from notify.adapters.webhook_repository import WebhookRepository
from notify.config import Settings
from notify.deps import NotifyDeps
from notify.entrypoints.consumers import handlers
from notify.service_layer import contacts, webhook_operations, webhooks
from servicekit.auth import ADMIN, LETTER_ADMIN, PARTNER, Principal
from servicekit.domain import DomainError
from servicekit.testing import FakeRepository, FakeUnitOfWork

from .test_messages import letter_submitted

SECRET = "whsec_" + "QUJD" * 8  # base64 of 24 bytes
PARTNER_1 = Principal(
    id="partner-1", username="p1", display_name="伙伴", roles=frozenset({PARTNER})
)
PARTNER_2 = Principal(
    id="partner-2", username="p2", display_name="别家", roles=frozenset({PARTNER})
)
ADMIN_USER = Principal(
    id="admin-1", username="admin", display_name="管理员", roles=frozenset({ADMIN, LETTER_ADMIN})
)


class FakeNotifications(FakeRepository[Notification]):
    pass


class FakeMessages(FakeRepository[ContactPoint]):
    """Contact points by user id, and the outgoing messages staged."""

    def __init__(self, *contacts: ContactPoint) -> None:
        super().__init__()
        self.outgoing: list[OutgoingMessage] = []
        for c in contacts:
            self.items[c.user_id] = c

    def add(self, row: ContactPoint | OutgoingMessage) -> None:  # type: ignore[override]
        if isinstance(row, ContactPoint):
            self.items[row.user_id] = row
        else:
            self.outgoing.append(row)

    async def contact(self, user_id: str) -> ContactPoint | None:
        return self.items.get(user_id)

    async def contacts_with_role(self, role: str) -> list[ContactPoint]:
        return [c for c in self.items.values() if f"|{role}|" in c.roles]


class FakeWebhooks(FakeRepository[WebhookSubscription]):
    """Subscriptions by id, the deliveries staged, and the subscriptions cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries_: list[WebhookDelivery] = []
        self.bus: list[PartnerBusMessage] = []
        self.cancelled: list[str] = []

    def add(  # type: ignore[override]
        self, row: WebhookSubscription | WebhookDelivery | PartnerBusMessage
    ) -> None:
        if isinstance(row, WebhookSubscription):
            self.items[row.id] = row
        elif isinstance(row, PartnerBusMessage):
            self.bus.append(row)
        else:
            self.deliveries_.append(row)

    async def subscription(self, subscription_id: str) -> WebhookSubscription | None:
        row = self.items.get(subscription_id)
        return None if row is None or row.deleted_at is not None else row

    async def subscriptions(self, *, owner_id: str | None) -> list[WebhookSubscription]:
        return [
            s
            for s in self.items.values()
            if s.deleted_at is None and owner_id in (None, s.owner_id)
        ]

    async def cancel_pending(self, subscription_id: str) -> None:
        self.cancelled.append(subscription_id)

    async def delivery(self, delivery_id: str) -> WebhookDelivery | None:
        return next((d for d in self.deliveries_ if d.id == delivery_id), None)


class World:
    def __init__(self, *contacts: ContactPoint) -> None:
        self.notifications = FakeNotifications()
        self.messages = FakeMessages(*contacts)
        self.webhooks = FakeWebhooks()
        self.uow = FakeUnitOfWork(
            {
                NotificationRepository: self.notifications,
                MessageRepository: self.messages,
                WebhookRepository: self.webhooks,
            },
            source="lexseal/notify",
        )

    async def subscribe(self, user: Principal, *patterns: str) -> WebhookSubscription:
        async with self.uow:
            return await webhooks.create(
                self.uow,
                user=user,
                url="https://203.0.113.10/lexseal",
                event_types=list(patterns),
                secret=None,
                description="",
                https_only=True,
                allow_private=True,
                allow_loopback=True,
            )


def refused(exc: pytest.ExceptionInfo[DomainError]) -> tuple[int, str]:
    return exc.value.status_code, exc.value.code


async def test_an_event_becomes_a_notification_its_copies_and_the_webhook_deliveries() -> None:
    admin = ContactPoint(
        user_id="la-1", email="la@firm.example", mobile=None, roles="|letter_admin|"
    )
    world = World(admin)
    sub = await world.subscribe(PARTNER_1, "letter.*")
    await world.subscribe(PARTNER_2, "contract.*")
    consumer = handlers.bind(NotifyDeps(settings=Settings(), channels={}))
    event = letter_submitted()
    assert await consumer.apply(event, lambda: world.uow) == "applied"
    assert await consumer.apply(event, lambda: world.uow) == "duplicate"
    [note] = world.notifications.items.values()
    assert (note.recipient_role, note.subject_id, note.event_id) == (
        "letter_admin",
        "l-1",
        event.id,
    )
    [copy] = world.messages.outgoing
    assert (copy.channel, copy.address, copy.recipient_user_id) == (
        "email",
        "la@firm.example",
        "la-1",
    )
    [delivery] = world.webhooks.deliveries_
    assert (delivery.subscription_id, delivery.event_type) == (sub.id, "letter.submitted")
    assert json.loads(delivery.payload)["id"] == event.id
    [bus] = world.webhooks.bus  # the partner bus carries what the webhooks carry
    assert (bus.event_id, bus.payload) == (event.id, delivery.payload)


async def test_a_text_for_a_counterparty_goes_to_the_sms_port_only() -> None:
    world = World()
    await world.subscribe(PARTNER_1, "*")
    consumer = handlers.bind(NotifyDeps(settings=Settings(), channels={}))
    sms = SmsRequested(
        source="lexseal/signing",
        subject="e-1",
        data=SmsRequestedData(
            envelope_id="e-1", to="13800000000", text="验证码 123456", purpose="intent_code"
        ),
    )
    assert await consumer.apply(sms, lambda: world.uow) == "applied"
    [text] = world.messages.outgoing
    assert (text.channel, text.address, text.recipient_user_id) == (
        "sms",
        "13800000000",
        "counterparty:e-1",
    )
    assert world.webhooks.deliveries_ == [] and world.webhooks.bus == []
    assert world.notifications.items == {}


async def test_a_contact_point_is_saved_with_the_roles_held_now_and_audited() -> None:
    world = World()
    uow = world.uow
    async with uow:
        await contacts.set_contact(uow, user=ADMIN_USER, email="a@firm.example", mobile=None)
    async with uow:
        row = await contacts.set_contact(uow, user=ADMIN_USER, email=None, mobile="13900000000")
    assert row.roles == "|admin|letter_admin|"
    assert uow.actions == ["contact.updated", "contact.updated"]
    first, second = uow.audits
    assert first["before"] is None and first["object_id"] == "admin-1"
    assert first["object_type"] == "contact_point"
    assert json.loads(second["before"])["email"] == "a@firm.example"
    assert json.loads(second["after"]) == {
        "email": None,
        "mobile": "13900000000",
        "roles": "|admin|letter_admin|",
    }


async def test_a_subscription_is_created_rotated_deleted_and_never_audited_with_its_secret() -> (
    None
):
    world = World()
    uow = world.uow
    sub = await world.subscribe(PARTNER_1, "contract.*", "contract.*", "letter.sealed")
    assert json.loads(sub.event_types) == ["contract.*", "letter.sealed"]
    assert sub.secret.startswith("whsec_")
    old = sub.secret
    async with uow:
        await webhooks.update(
            uow,
            user=PARTNER_1,
            subscription_id=sub.id,
            url=None,
            event_types=None,
            secret=SECRET,
            description=None,
            active=False,
            https_only=True,
            allow_private=True,
            secret_overlap_seconds=60,
        )
    assert (sub.secret, sub.previous_secret, sub.active) == (SECRET, old, False)
    async with uow:
        await webhooks.delete(uow, user=PARTNER_1, subscription_id=sub.id)
    assert world.webhooks.cancelled == [sub.id] and sub.deleted_at is not None
    assert uow.actions == ["webhook.created", "webhook.updated", "webhook.deleted"]
    created, updated, deleted = uow.audits
    assert json.loads(created["after"])["event_types"] == ["contract.*", "letter.sealed"]
    assert json.loads(updated["after"])["secret"] == "rotated"
    assert json.loads(updated["before"])["active"] is True
    assert json.loads(deleted["before"])["active"] is False and deleted["after"] is None
    assert all(
        SECRET not in json.dumps(a, default=str) and old not in json.dumps(a, default=str)
        for a in uow.audits
    )
    async with uow:
        with pytest.raises(DomainError) as info:
            await webhooks.get(uow, user=PARTNER_1, subscription_id=sub.id)
    assert refused(info) == (404, "webhook_not_found")


async def test_bad_subscriptions_are_refused_with_their_codes() -> None:
    world = World()
    uow = world.uow
    cases = [
        (
            {"url": "http://203.0.113.10/x"},
            (422, "webhook_url_invalid"),
            {"allowed_schemes": ["https"]},
        ),
        (
            {"event_types": ["Contract!"]},
            (422, "webhook_event_types_invalid"),
            {"invalid": ["Contract!"]},
        ),
        ({"secret": "whsec_short"}, (422, "webhook_secret_invalid"), None),
    ]
    for change, expected, details in cases:
        args = {"url": "https://203.0.113.10/x", "event_types": ["*"], "secret": None} | change
        async with uow:
            with pytest.raises(DomainError) as info:
                await webhooks.create(
                    uow, user=PARTNER_1, description="", https_only=True, allow_private=True, **args
                )
        assert refused(info) == expected and info.value.details == details
    async with uow:
        with pytest.raises(DomainError) as info:
            await webhooks.create(
                uow,
                user=PARTNER_1,
                url="http://127.0.0.1:9/x",
                event_types=["*"],
                secret=None,
                description="",
                https_only=False,
                allow_private=False,
            )
    assert refused(info) == (422, "webhook_url_private")
    assert uow.commits == 0 and uow.audits == []


async def test_only_the_owner_or_an_admin_operates_a_subscription() -> None:
    world = World()
    uow = world.uow
    sub = await world.subscribe(PARTNER_1, "*")
    async with uow:
        with pytest.raises(DomainError) as info:
            await webhook_operations.test_send(uow, user=PARTNER_2, subscription_id=sub.id)
    assert refused(info) == (404, "webhook_not_found")
    async with uow:
        sent = await webhook_operations.test_send(uow, user=ADMIN_USER, subscription_id=sub.id)
    assert sent.event_type == "webhook.test" and world.webhooks.deliveries_ == [sent]
    async with uow:
        again = await webhook_operations.resend(
            uow, user=PARTNER_1, subscription_id=sub.id, delivery_id=sent.id
        )
        with pytest.raises(DomainError) as info:
            await webhook_operations.resend(
                uow, user=PARTNER_1, subscription_id=sub.id, delivery_id="nope"
            )
    assert refused(info) == (404, "webhook_delivery_not_found")
    assert again.event_id == sent.event_id and again.id != sent.id
    assert uow.actions == ["webhook.created", "webhook.test_sent", "webhook.resent"]
    assert json.loads(uow.audits[-1]["after"]) == {"delivery_id": sent.id}
    assert uow.audits[1]["actor_id"] == "admin-1"
