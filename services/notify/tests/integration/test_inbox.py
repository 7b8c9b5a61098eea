"""Notifications arrive from real events on the real broker and database."""

from __future__ import annotations

import asyncio

import pytest
from lexseal_events import ContractSubmitted, ContractSubmittedData, DocumentRef, SignerInfo
from notify.bootstrap import create_app
from notify.config import Settings
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration


def submitted(owner_id: str = "lawyer-1", contract_id: str = "c-1") -> ContractSubmitted:
    return ContractSubmitted(
        source="lexseal/contract",
        subject=contract_id,
        data=ContractSubmittedData(
            contract_id=contract_id,
            round=1,
            owner_id=owner_id,
            owner_name="张律师",
            title="采购合同",
            contract_type="purchase",
            client_name="甲公司",
            document=DocumentRef(sha256="0" * 64, size=10, url="http://x/y"),
            signers=[
                SignerInfo(
                    signer_id="s1", kind="individual", name="李四", id_number="11010519491231002X"
                )
            ],
        ),
    )


async def test_risk_control_is_told_of_a_submission_once(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    settings = Settings(
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
    )
    bus["queues"] = settings.queue_name
    app = create_app(settings)
    async with running(app) as client:
        event = submitted()
        await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
        await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)  # redelivery
        # a later event as the marker: once it is applied, the redelivery before it was too
        marker = submitted(contract_id="c-marker")
        await publish_raw(amqp_url, bus["exchange"], marker.to_json(), marker.type)
        risk = identity.headers(user_id="risk-1", roles=["risk_control"])
        for _ in range(200):
            resp = await client.get("/api/notify/notifications", headers=risk)
            if resp.json()["count"] >= 2:
                break
            await asyncio.sleep(0.05)
        every = (await client.get("/api/notify/notifications", headers=risk)).json()
        assert every["count"] == 2  # the event once, and the marker
        body = {"data": [n for n in every["data"] if n["subject_id"] == "c-1"]}
        assert len(body["data"]) == 1
        assert body["data"][0]["title"] == "新的合同待审核"
        assert "采购合同" in body["data"][0]["body"]
        lawyer = identity.headers(user_id="lawyer-2", roles=["lawyer"])
        assert (await client.get("/api/notify/notifications", headers=lawyer)).json()["count"] == 0
        nid = body["data"][0]["id"]
        assert (
            await client.post(f"/api/notify/notifications/{nid}/read", headers=lawyer)
        ).status_code == 404
        read = await client.post(f"/api/notify/notifications/{nid}/read", headers=risk)
        assert read.status_code == 200 and read.json()["read_at"]
        assert (await client.get("/api/notify/notifications")).status_code == 401


async def test_notifications_answer_in_the_readers_language(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    from notify.adapters.tables import Notification
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    settings = Settings(
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
    )
    bus["queues"] = settings.queue_name
    app = create_app(settings)
    async with running(app) as client:
        # a row written before notifications had English text: still readable, in Chinese
        engine = create_async_engine(pg_url, pool_size=1)
        async with AsyncSession(engine) as session:
            session.add(
                Notification(
                    recipient_role="risk_control",
                    kind="contract.submitted",
                    title="旧的通知",
                    body="写于英文文本之前",
                    subject_type="contract",
                    subject_id="c-old",
                    event_id="old-1",
                )
            )
            await session.commit()
        await engine.dispose()
        event = submitted(contract_id="c-en")
        await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
        risk = identity.headers(user_id="risk-1", roles=["risk_control"])
        english = {**risk, "Accept-Language": "en-US,en;q=0.9"}
        for _ in range(200):
            resp = await client.get("/api/notify/notifications", headers=english)
            if resp.json()["count"] >= 2:
                break
            await asyncio.sleep(0.05)
        en = {n["subject_id"]: n for n in resp.json()["data"]}
        assert en["c-en"]["title"] == "A new contract awaits review"
        assert en["c-en"]["body"] == "“采购合同” submitted by 张律师 (round 1)"
        assert (en["c-old"]["title"], en["c-old"]["body"]) == ("旧的通知", "写于英文文本之前")
        zh = (await client.get("/api/notify/notifications", headers=risk)).json()["data"]
        assert {n["subject_id"]: n["title"] for n in zh}["c-en"] == "新的合同待审核"
        nid = en["c-en"]["id"]
        read = await client.post(f"/api/notify/notifications/{nid}/read", headers=english)
        assert read.json()["title"] == "A new contract awaits review"
