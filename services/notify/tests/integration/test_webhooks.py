"""Partner webhooks against a real HTTP endpoint; e-mail/SMS copies recorded by the sandbox."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp import web
from lexseal_events import ReviewApproved, ReviewApprovedData, SmsRequested, SmsRequestedData
from notify.bootstrap import create_app
from notify.config import Settings
from prometheus_client import REGISTRY
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .test_inbox import submitted

pytestmark = pytest.mark.integration

HOOKS = ["webhooks:manage"]  # the scope a partner key needs to manage its webhooks
SECRET = "whsec_" + base64.b64encode(b"partner-key-0123456789abcdef").decode()


class Partner:
    """A partner's endpoint: verifies signatures; `/flaky` fails once, `/down` always fails."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.calls: dict[str, int] = {}

    def verify(self, request: web.Request, body: bytes) -> bool:
        """Check the delivery with the official Standard Webhooks verifier."""
        try:
            Webhook(SECRET).verify(body, {k.lower(): v for k, v in request.headers.items()})
        except WebhookVerificationError:
            return False
        return True

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        path = request.path
        self.calls[path] = self.calls.get(path, 0) + 1
        if not self.verify(request, body):
            return web.Response(status=401, text="bad signature")
        if path == "/down" or (path == "/flaky" and self.calls[path] == 1):
            return web.Response(status=503, text="try later")
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append(
            {
                "path": path,
                "id": request.headers["webhook-id"],
                "body": json.loads(body),
                "raw": body,
                "headers": headers,
                "signature": headers["webhook-signature"],
            }
        )
        return web.Response(status=204)


@asynccontextmanager
async def partner_server() -> AsyncIterator[tuple[Partner, str]]:
    partner = Partner()
    app = web.Application()
    app.router.add_post("/{tail:.*}", partner.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield partner, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def settings_for(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> Settings:
    settings = Settings(
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        partner_exchange=bus["exchange"] + ".partner",
        jwt_public_key=identity.public_key_pem,
        log_json=False,
        dispatch_poll_interval=0.05,
        webhook_backoff_base=0.1,
        webhook_backoff_max=0.5,
        webhook_max_attempts=3,
        webhook_timeout=5,
        webhook_allow_loopback_targets=True,  # the partner's test endpoint is on 127.0.0.1
    )
    bus["queues"] = settings.queue_name
    return settings


async def until(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], predicate: Any
) -> Any:
    for _ in range(200):
        body = (await client.get(path, headers=headers)).json()
        if predicate(body):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never matched: {body}")


def deliveries_counted(outcome: str) -> float:
    labels = {"outcome": outcome}
    return REGISTRY.get_sample_value("lexseal_webhook_deliveries_total", labels) or 0.0


async def counted(outcome: str, expected: float) -> None:
    """Wait until the metric reached `expected` (counted just after the attempt's commit)."""
    for _ in range(200):
        if deliveries_counted(outcome) >= expected:
            break
        await asyncio.sleep(0.05)
    assert deliveries_counted(outcome) == expected, (outcome, deliveries_counted(outcome))


async def test_a_matching_event_is_signed_retried_and_delivered_once_to_each_endpoint(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    admin = identity.headers(user_id="admin-1", roles=["admin"])
    partner_a = identity.headers(user_id="partner-a", roles=["partner"], scopes=HOOKS)
    partner_b = identity.headers(user_id="partner-b", roles=["partner"], scopes=HOOKS)
    lawyer = identity.headers(user_id="lawyer-1", roles=["lawyer"])
    app = create_app(settings_for(pg_url, amqp_url, bus, identity))
    before = {o: deliveries_counted(o) for o in ("delivered", "retrying", "failed")}
    async with partner_server() as (partner, base), running(app) as client:

        async def subscribe(path: str, types: list[str], headers: dict[str, str]) -> str:
            resp = await client.post(
                "/api/notify/webhooks",
                headers=headers,
                json={"url": f"{base}{path}", "event_types": types, "secret": SECRET},
            )
            assert resp.status_code == 201, resp.text
            return str(resp.json()["id"])

        flaky = await subscribe("/flaky", ["contract.*"], partner_a)
        down = await subscribe("/down", ["contract.submitted"], admin)
        letters = await subscribe("/letters", ["letter.*"], partner_b)
        assert (
            await client.post(
                "/api/notify/webhooks",
                headers=lawyer,
                json={"url": f"{base}/x", "event_types": ["*"]},
            )
        ).status_code == 403
        # a partner key created without `webhooks:manage` (say, documents:read only) is refused
        reader = identity.headers(user_id="p-r", roles=["partner"], scopes=["documents:read"])
        refused = await client.post(
            "/api/notify/webhooks", headers=reader, json={"url": f"{base}/x", "event_types": ["*"]}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"
        bad = await client.post(
            "/api/notify/webhooks",
            headers=partner_a,
            json={"url": "file:///etc/passwd", "event_types": ["contract.*"]},
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "webhook_url_invalid"
        assert (
            await client.get(f"/api/notify/webhooks/{flaky}", headers=partner_b)
        ).status_code == 404
        mine = (await client.get("/api/notify/webhooks", headers=partner_a)).json()
        assert [w["id"] for w in mine["data"]] == [flaky] and "secret" not in mine["data"][0]
        assert (await client.get("/api/notify/webhooks", headers=admin)).json()["count"] == 3

        event = submitted()
        await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
        other = ReviewApproved(
            source="lexseal/review",
            subject="c-1",
            data=ReviewApprovedData(
                contract_id="c-1",
                review_id="r-1",
                round=1,
                reviewer_id="risk-1",
                reviewer_name="风控",
                owner_id="lawyer-1",
                title="采购合同",
                document=event.data.document,
                signers=event.data.signers,
            ),
        )
        await publish_raw(amqp_url, bus["exchange"], other.to_json(), other.type)

        log = await until(
            client,
            f"/api/notify/webhooks/{flaky}/deliveries",
            partner_a,
            lambda b: b["count"] == 1 and b["data"][0]["state"] == "delivered",
        )
        [delivery] = log["data"]
        assert delivery["event_id"] == event.id and delivery["attempts"] == 2
        assert [a["status_code"] for a in delivery["log"]] == [503, 204]
        assert [r["id"] for r in partner.received] == [event.id]
        got = partner.received[0]["body"]
        assert got["type"] == "contract.submitted" and got["specversion"] == "1.0"
        assert got["data"]["title"] == "采购合同" and got["data"]["signers"][0]["name"] == "李四"
        # partners are outside the firm: never a full ID number
        raw = json.dumps(partner.received[0]["body"], ensure_ascii=False)
        full_id = event.data.signers[0].id_number
        assert full_id not in raw and got["data"]["signers"][0]["id_number"] != full_id
        assert "*" in got["data"]["signers"][0]["id_number"]

        failed = await until(
            client,
            f"/api/notify/webhooks/{down}/deliveries",
            admin,
            lambda b: b["count"] == 1 and b["data"][0]["state"] == "failed",
        )
        assert failed["data"][0]["attempts"] == 3 and failed["data"][0]["last_status"] == 503
        assert failed["data"][0]["next_attempt_at"] is None
        assert partner.calls["/down"] == 3
        # attempts by outcome: /flaky 503 then 204; /down 503 twice retried, then given up
        await counted("delivered", before["delivered"] + 1)
        await counted("retrying", before["retrying"] + 3)
        await counted("failed", before["failed"] + 1)
        # out of retries: the subscription is marked failing and its owner is told
        sub = (await client.get(f"/api/notify/webhooks/{down}", headers=admin)).json()
        assert sub["failing_since"] is not None
        told = (await client.get("/api/notify/notifications", headers=admin)).json()["data"]
        failing = [n for n in told if n["kind"] == "webhook.failing"]
        assert len(failing) == 1 and "/down" in failing[0]["body"]
        assert (
            await client.get(f"/api/notify/webhooks/{letters}/deliveries", headers=partner_b)
        ).json()["count"] == 0

        # A paused subscription queues; a deleted one receives nothing more.
        paused = await client.patch(
            f"/api/notify/webhooks/{flaky}", headers=partner_a, json={"active": False}
        )
        assert paused.status_code == 200 and paused.json()["active"] is False
        assert (
            await client.delete(f"/api/notify/webhooks/{down}", headers=partner_b)
        ).status_code == 404
        assert (
            await client.delete(f"/api/notify/webhooks/{down}", headers=admin)
        ).status_code == 204
        again = submitted()
        await publish_raw(amqp_url, bus["exchange"], again.to_json(), again.type)
        await until(
            client,
            "/api/notify/notifications",
            identity.headers(user_id="r", roles=["risk_control"]),
            lambda b: b["count"] == 2,
        )
        # that notification and any delivery come from one handler transaction: once it shows,
        # the paused subscription's queued delivery has been written too
        third = submitted()
        await publish_raw(amqp_url, bus["exchange"], third.to_json(), third.type)
        queued = await until(
            client,
            f"/api/notify/webhooks/{flaky}/deliveries",
            partner_a,
            lambda b: b["count"] == 3,
        )
        assert sorted(d["state"] for d in queued["data"]) == ["delivered", "pending", "pending"]
        # A positive marker, not a sleep: a subscription made now gets a later event delivered,
        # so dispatch rounds have run while the paused subscription's deliveries were due.
        marker = await subscribe("/marker", ["contract.*"], partner_b)
        fourth = submitted()
        await publish_raw(amqp_url, bus["exchange"], fourth.to_json(), fourth.type)
        await until(
            client,
            f"/api/notify/webhooks/{marker}/deliveries",
            partner_b,
            lambda b: b["count"] == 1 and b["data"][0]["state"] == "delivered",
        )
        # nothing left while paused
        assert [r["id"] for r in partner.received if r["path"] == "/flaky"] == [event.id]
        assert (
            await client.get(f"/api/notify/webhooks/{down}/deliveries", headers=admin)
        ).status_code == 404
        resumed = await client.patch(
            f"/api/notify/webhooks/{flaky}", headers=partner_a, json={"active": True}
        )
        assert resumed.status_code == 200
        await until(
            client,
            f"/api/notify/webhooks/{flaky}/deliveries",
            partner_a,
            lambda b: b["count"] == 4 and all(d["state"] == "delivered" for d in b["data"]),
        )
        flaky_got = [r["id"] for r in partner.received if r["path"] == "/flaky"]
        assert flaky_got == [event.id, again.id, third.id, fourth.id]


async def test_copies_of_notifications_are_recorded_by_the_sandbox_for_admins_to_see(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    risk = identity.headers(user_id="risk-1", roles=["risk_control"])
    admin = identity.headers(user_id="admin-1", roles=["admin"])
    app = create_app(settings_for(pg_url, amqp_url, bus, identity))
    async with running(app) as client:
        bad = await client.put(
            "/api/notify/contact", headers=risk, json={"email": "not-an-address"}
        )
        assert bad.status_code == 422
        ok = await client.put(
            "/api/notify/contact",
            headers=risk,
            json={"email": "risk@firm.example", "mobile": "+8613800000000"},
        )
        assert ok.status_code == 200
        assert (await client.get("/api/notify/contact", headers=risk)).json()[
            "email"
        ] == "risk@firm.example"

        event = submitted()
        await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
        body = await until(
            client,
            "/api/notify/outbox-messages",
            admin,
            lambda b: b["count"] == 2 and all(m["state"] == "sent" for m in b["data"]),
        )
        assert body["providers"] == {"email": "sandbox", "sms": "sandbox"}
        assert body["notice"].startswith("SANDBOX")
        by_channel = {m["channel"]: m for m in body["data"]}
        assert by_channel["email"]["address"] == "risk@firm.example"
        assert by_channel["sms"]["address"] == "+8613800000000"
        assert all(m["sandbox"] and m["provider"] == "sandbox" for m in body["data"])
        assert by_channel["email"]["subject"] == "新的合同待审核"
        assert (await client.get("/api/notify/outbox-messages", headers=risk)).status_code == 403


async def test_webhooks_into_the_private_network_are_refused_by_default(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(pg_url, amqp_url, bus, identity).model_copy(
        update={"webhook_allow_loopback_targets": False}
    )
    partner = identity.headers(user_id="partner-a", roles=["partner"], scopes=HOOKS)
    async with running(create_app(settings)) as client:
        for url in (
            "http://127.0.0.1:8101/internal/x",
            "http://10.0.0.8/hook",
            "http://localhost/h",
        ):
            resp = await client.post(
                "/api/notify/webhooks",
                headers=partner,
                json={"url": url, "event_types": ["contract.*"]},
            )
            assert resp.status_code == 422, url
            assert resp.json()["error"]["code"] == "webhook_url_private"
        assert (await client.get("/api/notify/webhooks", headers=partner)).json()["count"] == 0
    # a partner inside the firm's network may be allowed; this machine's loopback still is not
    inside = settings.model_copy(update={"webhook_allow_private_targets": True})
    async with running(create_app(inside)) as client:
        for url, status in (("http://10.0.0.8/hook", 201), ("http://127.0.0.1:8101/x", 422)):
            resp = await client.post(
                "/api/notify/webhooks", headers=partner, json={"url": url, "event_types": ["*"]}
            )
            assert resp.status_code == status, (url, resp.text)


async def test_a_counterpartys_sms_goes_through_the_sms_port_and_never_to_partners(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    admin = identity.headers(user_id="admin-1", roles=["admin"])
    partner = identity.headers(user_id="partner-a", roles=["partner"], scopes=HOOKS)
    async with running(create_app(settings_for(pg_url, amqp_url, bus, identity))) as client:
        sub = await client.post(
            "/api/notify/webhooks",
            headers=partner,
            json={"url": "http://127.0.0.1:9/hook", "event_types": ["signing.*"]},
        )
        assert sub.status_code == 201, sub.text
        event = SmsRequested(
            source="lexseal/signing",
            subject="env-1",
            data=SmsRequestedData(
                envelope_id="env-1",
                to="13900139000",
                text="【lexseal】您正在签署《采购合同》，验证码 042917，5 分钟内有效。",
                purpose="intent_code",
            ),
        )
        await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
        body = await until(
            client,
            "/api/notify/outbox-messages",
            admin,
            lambda b: b["count"] == 1 and b["data"][0]["state"] == "sent",
        )
        sms = body["data"][0]
        assert sms["channel"] == "sms" and sms["address"] == "13900139000"
        assert "042917" in sms["body"]
        deliveries = await client.get(
            f"/api/notify/webhooks/{sub.json()['id']}/deliveries", headers=partner
        )
        assert deliveries.json()["count"] == 0  # a one-time code never leaves the firm
        notes = await client.get("/api/notify/notifications", headers=admin)
        assert notes.json()["count"] == 0


async def test_the_destination_is_checked_again_at_every_delivery(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    """An address accepted at registration that now resolves into a refused range (DNS
    rebinding; here: the operator withdrew the loopback allowance) is never POSTed to."""
    partner_h = identity.headers(user_id="partner-a", roles=["partner"], scopes=HOOKS)
    allowed = settings_for(pg_url, amqp_url, bus, identity)
    refused = allowed.model_copy(update={"webhook_allow_loopback_targets": False})
    refusals = deliveries_counted("refused")
    async with partner_server() as (partner, base):
        async with running(create_app(allowed)) as client:
            made = await client.post(
                "/api/notify/webhooks",
                headers=partner_h,
                json={"url": f"{base}/ok", "event_types": ["contract.*"], "secret": SECRET},
            )
            assert made.status_code == 201, made.text
            sub = made.json()["id"]
        async with running(create_app(refused)) as client:
            event = submitted()
            await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
            log = await until(
                client,
                f"/api/notify/webhooks/{sub}/deliveries",
                partner_h,
                lambda b: b["count"] == 1 and b["data"][0]["attempts"] >= 1,
            )
            for _ in range(200):  # counted just after the attempt's commit
                if deliveries_counted("refused") >= refusals + 1:
                    break
                await asyncio.sleep(0.05)
        attempt = log["data"][0]["log"][0]
        assert attempt["status_code"] is None
        assert attempt["error"].startswith("webhook_url_private")
        assert partner.calls == {}
        assert deliveries_counted("refused") >= refusals + 1


async def test_test_send_resend_and_replay_since_a_time(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    partner_h = identity.headers(user_id="partner-a", roles=["partner"], scopes=HOOKS)
    other_h = identity.headers(user_id="partner-b", roles=["partner"], scopes=HOOKS)
    app = create_app(settings_for(pg_url, amqp_url, bus, identity))
    async with partner_server() as (partner, base), running(app) as client:
        made = await client.post(
            "/api/notify/webhooks",
            headers=partner_h,
            json={"url": f"{base}/ok", "event_types": ["contract.*"], "secret": SECRET},
        )
        sub = made.json()["id"]
        deliveries = f"/api/notify/webhooks/{sub}/deliveries"

        test = await client.post(f"/api/notify/webhooks/{sub}/test", headers=partner_h)
        assert test.status_code == 202 and test.json()["event_type"] == "webhook.test"
        await until(client, deliveries, partner_h, lambda b: b["data"][0]["state"] == "delivered")
        assert partner.received[-1]["body"]["type"] == "webhook.test"  # verified, signed
        refused = await client.post(f"/api/notify/webhooks/{sub}/test", headers=other_h)
        assert refused.status_code == 404

        first, second = submitted(), submitted()
        for e in (first, second):
            await publish_raw(amqp_url, bus["exchange"], e.to_json(), e.type)
            await until(
                client,
                deliveries,
                partner_h,
                lambda b, e=e: any(
                    d["event_id"] == e.id and d["state"] == "delivered" for d in b["data"]
                ),
            )
        log = (await client.get(deliveries, headers=partner_h)).json()["data"]
        one = next(d for d in log if d["event_id"] == first.id)

        again = await client.post(
            f"/api/notify/webhooks/{sub}/deliveries/{one['id']}/resend", headers=partner_h
        )
        assert again.status_code == 202 and again.json()["event_id"] == first.id
        assert again.json()["id"] != one["id"]
        await until(client, deliveries, partner_h, lambda b: b["count"] == 4)
        missing = await client.post(
            f"/api/notify/webhooks/{sub}/deliveries/nope/resend", headers=partner_h
        )
        assert missing.json()["error"]["code"] == "webhook_delivery_not_found"

        since = next(d for d in log if d["event_id"] == second.id)["created_at"]
        replayed = await client.post(
            f"/api/notify/webhooks/{sub}/replay", headers=partner_h, json={"since": since}
        )
        assert replayed.status_code == 202, replayed.text
        # every event the subscription was owed since then, once each, oldest first: `second`,
        # then `first` (its resend was queued after `second`)
        assert [d["event_id"] for d in replayed.json()["data"]] == [second.id, first.id]
        await until(
            client,
            deliveries,
            partner_h,
            lambda b: b["count"] == 6 and all(d["state"] == "delivered" for d in b["data"]),
        )
        ids = [r["id"] for r in partner.received]
        assert ids.count(first.id) == 3 and ids.count(second.id) == 2


async def test_a_rotated_secret_overlaps_the_old_one_then_replaces_it(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    new = "whsec_" + base64.b64encode(b"partner-key-rotated-0123456789").decode()
    partner_h = identity.headers(user_id="partner-a", roles=["partner"], scopes=HOOKS)
    settings = settings_for(pg_url, amqp_url, bus, identity)
    async with partner_server() as (partner, base):  # verifies with the old SECRET
        async with running(create_app(settings)) as client:
            made = await client.post(
                "/api/notify/webhooks",
                headers=partner_h,
                json={"url": f"{base}/ok", "event_types": ["contract.*"], "secret": SECRET},
            )
            sub = made.json()["id"]
            rotated = await client.patch(
                f"/api/notify/webhooks/{sub}", headers=partner_h, json={"secret": new}
            )
            assert rotated.status_code == 200
            during = submitted()
            await publish_raw(amqp_url, bus["exchange"], during.to_json(), during.type)
            await until(
                client,
                f"/api/notify/webhooks/{sub}/deliveries",
                partner_h,
                lambda b: b["count"] == 1 and b["data"][0]["state"] == "delivered",
            )
        got = partner.received[-1]
        assert got["id"] == during.id  # the old secret still verifies during the overlap
        # ... and so does the new one: the delivery carries both signatures
        assert len(got["signature"].split()) == 2
        Webhook(new).verify(got["raw"], got["headers"])

        # rotating again with no overlap: only the newest secret signs from now on
        no_overlap = settings.model_copy(update={"webhook_secret_overlap_seconds": 0.0})
        async with running(create_app(no_overlap)) as client:
            newest = "whsec_" + base64.b64encode(b"partner-key-newest-0123456789a").decode()
            await client.patch(
                f"/api/notify/webhooks/{sub}", headers=partner_h, json={"secret": newest}
            )
            after = submitted()
            await publish_raw(amqp_url, bus["exchange"], after.to_json(), after.type)
            log = await until(
                client,
                f"/api/notify/webhooks/{sub}/deliveries",
                partner_h,
                lambda b: b["count"] == 2 and b["data"][0]["attempts"] >= 1,
            )
        assert log["data"][0]["last_status"] == 401  # the partner's old secret no longer verifies
        assert [r["id"] for r in partner.received] == [during.id]
