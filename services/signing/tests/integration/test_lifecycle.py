"""Endings and failures: decline, void, expiry, withdrawal, TSA outage, concurrent signers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from helpers import started
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.pytest_plugin import publish_raw
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration
SPOT = {"page": 1, "x": 72, "y": 100, "width": 90, "height": 90}


async def test_a_signer_declines_and_the_lawyer_is_told(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        tp = await s.invite("p1")
        r = await s.client.post(f"{tp}/decline", json={"reason": "金额有误"})
        assert r.json() == {"status": "declined"}
        declined = await s.listener.wait_for("signing.declined")
        assert (
            declined["data"]["reason"] == "金额有误" and declined["data"]["owner_id"] == "lawyer-1"
        )
        r = await s.client.post(
            f"{tp}/verify/individual", json={"name": "张三", "id_number": "x" * 18}
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "envelope_declined"
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/invitations",
            json={"signer_id": "e1"},
            headers=s.lawyer,
        )
        assert r.status_code == 409
        async with s.app.state.kit.uow() as uow:
            from signing.adapters.repository import SigningRepository

            actions = [a.action for a in await SigningRepository(uow.session).audit_trail([s.eid])]
            ips = [
                a.ip
                for a in await SigningRepository(uow.session).audit_trail([s.eid])
                if a.action == "token.decline"
            ]
        assert (
            "invitation.created" in actions
            and "envelope.declined" in actions
            and ips == ["127.0.0.1"]
        )


async def test_only_the_owner_voids_and_a_withdrawn_contract_voids_its_envelope(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/void", json={"reason": "x"}, headers=s.risk
        )
        assert r.status_code == 403
        withdrawn = ContractWithdrawn(
            source="lexseal/contract",
            subject="c-1",
            data=ContractWithdrawnData(
                contract_id="c-1",
                round=1,
                owner_id="lawyer-1",
                actor_id="lawyer-1",
                reason="客户撤回",
            ),
        )
        await publish_raw(
            amqp_url, s.app.state.settings.exchange, withdrawn.to_json(), withdrawn.type
        )
        voided = await s.listener.wait_for("signing.voided")
        assert voided["data"]["reason"] == "客户撤回"
        r = await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)
        assert r.json()["status"] == "voided"
        r = await s.client.post(f"/api/signing/envelopes/{s.eid}/void", json={}, headers=s.lawyer)
        assert r.status_code == 409 and r.json()["error"]["code"] == "envelope_voided"


async def test_an_envelope_expires_in_the_background(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(
        pg_url,
        amqp_url,
        bus,
        identity,
        tmp_path,
        envelope_ttl_hours=0.0003,
        expiry_check_interval=0.2,
    ) as s:
        expired = await s.listener.wait_for("signing.expired", timeout=15)
        assert expired["data"]["envelope_id"] == s.eid
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/invitations",
            json={"signer_id": "p1"},
            headers=s.lawyer,
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "envelope_expired"


async def test_an_unreachable_tsa_fails_the_signature_and_changes_nothing(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, tsa_url="http://127.0.0.1:9/tsa", tsa_timeout=1
    ) as s:
        tp = await s.invite("p1")
        await s.verify_person(tp)
        await s.confirm_intent(tp)
        before = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
        r = await s.client.post(f"{tp}/sign", json=SPOT)
        assert r.status_code == 503 and r.json()["error"]["code"] == "timestamp_unavailable"
        after = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
        assert after["current_sha256"] == before["current_sha256"]
        assert [x["status"] for x in after["signers"]] == ["verified", "pending", "pending"]


async def test_concurrent_signers_never_lose_a_signature(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        tp, te = await s.invite("p1"), await s.invite("e1")
        await s.verify_person(tp)
        await s.confirm_intent(tp)
        await s.enterprise_details(te)
        await s.client.post(f"{te}/deposit/request")
        assert (
            await s.client.post(f"{te}/deposit/confirm", json={"amount": await s.last_amount()})
        ).status_code == 200
        await s.confirm_intent(te)
        r1, r2 = await asyncio.gather(
            s.client.post(f"{tp}/sign", json=SPOT),
            s.client.post(f"{te}/sign", json={**SPOT, "x": 200}),
        )
        assert r1.status_code == r2.status_code == 200
        assert sorted(
            [r1.json()["remaining_counterparties"], r2.json()["remaining_counterparties"]]
        ) == [0, 1]
        signed = (
            await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        ).content
        result = (await s.client.post("/api/verify", files={"file": ("x.pdf", signed)})).json()
        assert result["valid"] is True and len(result["signatures"]) == 2
