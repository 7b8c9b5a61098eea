"""Reminders: the same link re-sent by SMS, rate-limited, and once automatically before expiry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from helpers import MOBILE, started
from servicekit.db import utcnow
from servicekit.testing import TestIdentity
from signing.adapters.tables import Invitation
from signing.service_layer.reminders import remind_due
from sqlalchemy import update

pytestmark = pytest.mark.integration


async def test_a_reminder_resends_the_same_link_and_is_rate_limited(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        tp = await s.invite("p1")
        token = tp.rsplit("/", 1)[1]
        base = f"/api/signing/envelopes/{s.eid}/invitations"
        live = (await s.client.get(base, headers=s.lawyer)).json()
        assert live["count"] == 1 and live["data"][0]["reminders"] == 0
        inv = live["data"][0]
        assert inv["signer_id"] == "p1" and inv["next_reminder_at"] is None

        other = identity.headers(user_id="lawyer-2", roles=["lawyer"])
        r = await s.client.post(f"{base}/{inv['invitation_id']}/remind", headers=other)
        assert r.status_code == 404  # another lawyer's envelope
        r = await s.client.post(f"{base}/{inv['invitation_id']}/remind", headers=s.risk)
        assert r.status_code == 403 and r.json()["error"]["code"] == "owner_only"

        r = await s.client.post(f"{base}/{inv['invitation_id']}/remind", headers=s.lawyer)
        assert r.status_code == 200, r.text
        assert r.json()["reminders"] == 1 and r.json()["next_reminder_at"]
        sms = await s.listener.wait_for("signing.sms_requested")
        assert sms["data"]["purpose"] == "reminder" and sms["data"]["to"] == MOBILE
        assert f"/sign/{token}" in sms["data"]["text"]  # the same link, not a new one
        assert (await s.client.get(tp)).status_code == 200  # and it still works

        r = await s.client.post(f"{base}/{inv['invitation_id']}/remind", headers=s.lawyer)
        assert r.status_code == 429 and r.json()["error"]["code"] == "reminder_too_soon"
        assert r.json()["error"]["details"]["retry_after_seconds"] > 0


async def test_a_link_about_to_expire_is_reminded_once_by_itself(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, auto_reminder_hours_before_expiry=24
    ) as s:
        await s.invite("p1")
        await s.invite("e1")
        base = f"/api/signing/envelopes/{s.eid}/invitations"
        live = {
            i["signer_id"]: i for i in (await s.client.get(base, headers=s.lawyer)).json()["data"]
        }
        kit = s.app.state.kit
        links = kit.deps.links
        settings = s.app.state.settings
        async with kit.uow() as uow:
            assert await remind_due(uow, settings=settings, links=links) == 0  # a week left
        async with kit.uow() as uow:  # p1's link now expires within the hour
            await uow.session.execute(
                update(Invitation)
                .where(Invitation.id == live["p1"]["invitation_id"])  # type: ignore[arg-type]
                .values(expires_at=utcnow() + timedelta(hours=1))
            )
            await uow.commit()
        async with kit.uow() as uow:
            assert await remind_due(uow, settings=settings, links=links) == 1
        async with kit.uow() as uow:
            assert await remind_due(uow, settings=settings, links=links) == 0  # only once
        sms = await s.listener.wait_for("signing.sms_requested")
        assert sms["data"]["purpose"] == "reminder"
        after = {
            i["signer_id"]: i for i in (await s.client.get(base, headers=s.lawyer)).json()["data"]
        }
        assert after["p1"]["reminders"] == 1 and after["e1"]["reminders"] == 0
