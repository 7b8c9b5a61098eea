"""Signing intent by SMS code against the real database: voided, too soon, expired, audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import COUNTERPARTY_SPOT, ONE_SIGNER, firm_signs, started
from servicekit.db import utcnow
from servicekit.tables import AuditEntry
from servicekit.testing import TestIdentity
from signing.adapters.tables import IntentChallenge
from sqlalchemy import select, update

pytestmark = pytest.mark.integration


async def test_five_wrong_codes_void_it_a_new_one_waits_and_an_old_one_expires(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        tp = await s.invite("p1")
        r = await s.client.post(f"{tp}/intent/request", json={})
        assert r.json()["error"]["code"] == "identity_not_verified"  # identity first
        await s.verify_person(tp)
        assert (await s.client.post(f"{tp}/intent/request", json={})).status_code == 200
        code = (await s.client.get(tp)).json()["intent"]["sandbox_code"]
        wrong = "000000" if code != "000000" else "111111"
        for left in (4, 3, 2, 1):
            r = await s.client.post(f"{tp}/intent/confirm", json={"code": wrong})
            assert r.json()["error"]["details"]["attempts_left"] == left
        r = await s.client.post(f"{tp}/intent/confirm", json={"code": wrong})
        assert r.status_code == 409 and r.json()["error"]["code"] == "intent_code_voided"
        r = await s.client.post(f"{tp}/intent/confirm", json={"code": code})  # even the right one
        assert r.json()["error"]["code"] == "intent_code_voided"
        state = (await s.client.get(tp)).json()["intent"]
        assert state["status"] == "failed" and state["sandbox_code"] is None
        r = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT)
        assert r.status_code == 403 and r.json()["error"]["code"] == "intent_not_confirmed"

        # a new code only a minute after the last one
        r = await s.client.post(f"{tp}/intent/request", json={})
        assert r.status_code == 429 and r.json()["error"]["code"] == "intent_code_too_soon"
        async with s.app.state.kit.uow() as uow:  # a minute later; then five minutes more
            await uow.session.execute(
                update(IntentChallenge).values(created_at=utcnow() - timedelta(minutes=2))
            )
            await uow.commit()
        assert (await s.client.post(f"{tp}/intent/request", json={})).status_code == 200
        code = (await s.client.get(tp)).json()["intent"]["sandbox_code"]
        async with s.app.state.kit.uow() as uow:
            await uow.session.execute(
                update(IntentChallenge)
                .where(IntentChallenge.status == "open")  # type: ignore[arg-type]
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            await uow.commit()
        r = await s.client.post(f"{tp}/intent/confirm", json={"code": code})
        assert r.status_code == 409 and r.json()["error"]["code"] == "intent_code_expired"

        # a fresh code, confirmed: the audit trail holds the intent, the mobile masked
        async with s.app.state.kit.uow() as uow:
            await uow.session.execute(
                update(IntentChallenge).values(created_at=utcnow() - timedelta(minutes=2))
            )
            await uow.commit()
        await s.confirm_intent(tp)
        r = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT)
        assert r.status_code == 200, r.text
        async with s.app.state.kit.uow() as uow:
            stmt = select(AuditEntry.after).where(AuditEntry.action == "intent_confirmed")  # type: ignore[arg-type]
            rows = list((await uow.session.execute(stmt)).scalars())
        assert len(rows) == 1
        after = json.loads(rows[0] or "{}")
        assert after["method"] == "sms_otp" and after["mobile"] == "139****9000"
        assert after["signer_id"] == "p1" and "13900139000" not in str(after)

        # the evidence package names it for the counterparty's signature, even after a retry
        r = await s.client.post(f"{tp}/intent/confirm", json={"code": "000000"})
        assert r.status_code in (403, 409, 422)  # after signing: nothing to confirm
        r = await firm_signs(s)
        assert r.status_code == 200, r.text
        z = await s.client.get(f"/api/signing/envelopes/{s.eid}/evidence.zip", headers=s.lawyer)
        with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
            facts = json.loads(zf.read("evidence.json"))
        mine = next(x for x in facts["signatures"] if x["signer_id"] == "p1")
        assert mine["intent_confirmation"]["action"] == "intent_confirmed"
        assert mine["intent_confirmation"]["detail"]["method"] == "sms_otp"
