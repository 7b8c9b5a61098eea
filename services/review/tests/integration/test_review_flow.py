"""A submission arrives on the real broker, is reviewed over HTTP, and the decision goes out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from lexseal_events import (
    CloudEvent,
    ContractSubmitted,
    ContractSubmittedData,
    ContractWithdrawn,
    ContractWithdrawnData,
    DocumentRef,
    ScanWarning,
    SignerInfo,
)
from review.bootstrap import create_app
from review.config import Settings
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration

SIGNERS = [
    SignerInfo(signer_id="s1", kind="individual", name="李四", id_number="11010519491231002X"),
    SignerInfo(
        signer_id="s2",
        kind="enterprise",
        name="乙公司",
        id_number="91350100M000100Y43",
        legal_representative="王五",
        bank_account_name="乙公司",
        bank_account_number="6222000011112222",
        bank_name="工商银行",
    ),
]
ALL_CONFIRMED = [
    "document",
    "application",
    "signer:s1:identity",
    "signer:s2:identity",
    "signer:s2:bank_account",
]


def submitted(
    contract_id: str = "c-1",
    *,
    round: int = 1,
    owner_id: str = "lawyer-1",
    cross_page_seal: bool = False,
) -> ContractSubmitted:
    return ContractSubmitted(
        source="lexseal/contract",
        subject=contract_id,
        data=ContractSubmittedData(
            contract_id=contract_id,
            round=round,
            owner_id=owner_id,
            owner_name="张律师",
            title="采购合同",
            contract_type="purchase",
            client_name="甲公司",
            amount="120000.00",
            document=DocumentRef(
                sha256="b" * 64, size=2048, url=f"http://contract/internal/{contract_id}"
            ),
            signers=SIGNERS,
            scan_warning=ScanWarning(pages=[3], reason="page looks like a scan"),
            cross_page_seal=cross_page_seal,
        ),
    )


class Harness:
    def __init__(
        self, client: httpx.AsyncClient, identity: TestIdentity, amqp_url: str, exchange: str
    ):
        self.client, self.identity, self.amqp_url, self.exchange = (
            client,
            identity,
            amqp_url,
            exchange,
        )
        self.risk = identity.headers(user_id="risk-1", username="风控甲", roles=["risk_control"])
        self.risk2 = identity.headers(user_id="risk-2", roles=["risk_control"])
        self.lawyer = identity.headers(user_id="lawyer-1", roles=["lawyer"])

    async def send(self, event: CloudEvent) -> None:
        await publish_raw(self.amqp_url, self.exchange, event.to_json(), event.type)

    async def wait_for(
        self, path: str, predicate: Any, headers: dict[str, str] | None = None
    ) -> Any:
        for _ in range(200):
            resp = await self.client.get(path, headers=headers or self.risk)
            if resp.status_code == 200 and predicate(resp.json()):
                return resp.json()
            await asyncio.sleep(0.05)
        raise AssertionError(f"{path} never matched: {resp.status_code} {resp.text}")

    async def queued(self, contract_id: str, round: int = 1) -> str:
        body = await self.wait_for(
            "/api/review/queue?state=pending",
            lambda b: any(
                i["contract_id"] == contract_id and i["round"] == round for i in b["data"]
            ),
        )
        return next(
            i["id"] for i in body["data"] if i["contract_id"] == contract_id and i["round"] == round
        )


@asynccontextmanager
async def service(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> AsyncIterator[Harness]:
    settings = Settings(
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
        relay_poll_interval=0.05,
    )
    bus["queues"] = settings.queue_name
    async with running(create_app(settings)) as client:
        yield Harness(client, identity, amqp_url, bus["exchange"])


@asynccontextmanager
async def observe(
    amqp_url: str, exchange: str, pattern: str
) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        ex = await ch.get_exchange(exchange)
        queue = await ch.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(ex, routing_key=pattern)
        yield queue


async def next_message(queue: aio_pika.abc.AbstractQueue) -> dict[str, Any]:
    for _ in range(200):
        msg = await queue.get(no_ack=True, fail=False)
        if msg is not None:
            return dict(json.loads(msg.body))
        await asyncio.sleep(0.05)
    raise AssertionError("no event was published")


async def test_a_submission_is_approved_and_review_approved_carries_document_and_signers(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    async with (
        service(pg_url, amqp_url, bus, identity) as h,
        observe(amqp_url, bus["exchange"], "review.*") as out,
    ):
        await h.send(submitted(cross_page_seal=True))
        item_id = await h.queued("c-1")
        detail = (await h.client.get(f"/api/review/items/{item_id}", headers=h.risk)).json()
        assert detail["state"] == "pending" and detail["scan_warning"] is True
        # risk control sees the lawyer's choice of a cross-page seal (骑缝章)
        assert detail["cross_page_seal"] is True and detail["submission"]["cross_page_seal"]
        assert [c["key"] for c in detail["checklist"]] == ALL_CONFIRMED
        assert "page looks like a scan" in detail["checklist"][0]["warning"]
        assert detail["submission"]["signers"][1]["bank_account_number"] == "6222000011112222"
        assert detail["waiting_seconds"] >= 0

        claimed = await h.client.post(f"/api/review/items/{item_id}/claim", headers=h.risk)
        assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "risk-1"
        in_review = (await h.client.get("/api/review/queue?state=in_review", headers=h.risk)).json()
        assert [i["id"] for i in in_review["data"]] == [item_id]
        assert (await h.client.get("/api/review/queue?state=pending", headers=h.risk)).json()[
            "count"
        ] == 0

        partial = await h.client.post(
            f"/api/review/items/{item_id}/approve",
            headers=h.risk,
            json={"confirmations": ALL_CONFIRMED[:-1]},
        )
        assert partial.status_code == 422
        assert partial.json()["error"]["code"] == "checklist_incomplete"
        assert partial.json()["error"]["details"] == {"missing": ["signer:s2:bank_account"]}

        ok = await h.client.post(
            f"/api/review/items/{item_id}/approve",
            headers=h.risk,
            json={"confirmations": ALL_CONFIRMED, "comment": "材料齐全"},
        )
        assert ok.status_code == 200 and ok.json()["state"] == "approved"

        event = await next_message(out)
        assert event["type"] == "review.approved" and event["subject"] == "c-1"
        data = event["data"]
        assert (data["contract_id"], data["review_id"], data["round"]) == ("c-1", item_id, 1)
        assert (data["reviewer_id"], data["reviewer_name"], data["owner_id"]) == (
            "risk-1",
            "风控甲",
            "lawyer-1",
        )
        assert data["document"]["sha256"] == "b" * 64 and data["document"]["url"].endswith("/c-1")
        assert [s["signer_id"] for s in data["signers"]] == ["s1", "s2"]
        assert data["signers"][1]["bank_account_number"] == "6222000011112222"
        assert data["comment"] == "材料齐全"
        assert data["cross_page_seal"] is True  # travels on to signing

        again = await h.client.post(
            f"/api/review/items/{item_id}/reject",
            headers=h.risk,
            json={"reasons": ["amount_wrong"]},
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "round_already_decided"
        decided = (await h.client.get("/api/review/queue?state=decided", headers=h.risk)).json()
        assert [i["id"] for i in decided["data"]] == [item_id]


async def test_rejection_resubmission_and_round_history(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    async with (
        service(pg_url, amqp_url, bus, identity) as h,
        observe(amqp_url, bus["exchange"], "review.rejected") as out,
    ):
        await h.send(submitted())
        first = await h.queued("c-1")
        await h.client.post(f"/api/review/items/{first}/claim", headers=h.risk)
        bad = await h.client.post(
            f"/api/review/items/{first}/reject", headers=h.risk, json={"reasons": ["not_a_code"]}
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_reason_code"
        resp = await h.client.post(
            f"/api/review/items/{first}/reject",
            headers={**h.risk, "Accept-Language": "en"},
            json={
                "reasons": ["document_scanned", "bank_account_wrong"],
                "comment": "请上传原始PDF",
            },
        )
        assert resp.status_code == 200 and resp.json()["reasons"] == [
            "document_scanned",
            "bank_account_wrong",
        ]
        event = await next_message(out)
        assert event["data"]["reasons"] == ["document_scanned", "bank_account_wrong"]
        assert (
            event["data"]["comment"] == "请上传原始PDF" and event["data"]["owner_id"] == "lawyer-1"
        )

        await h.send(submitted(round=2))
        second = await h.queued("c-1", round=2)
        rounds = (await h.client.get("/api/review/contracts/c-1/rounds", headers=h.lawyer)).json()
        assert [(r["round"], r["state"]) for r in rounds["data"]] == [
            (2, "pending"),
            (1, "rejected"),
        ]
        detail = (await h.client.get(f"/api/review/items/{second}", headers=h.risk)).json()
        assert [(r["round"], r["reasons"]) for r in detail["history"]] == [
            (2, []),
            (1, ["document_scanned", "bank_account_wrong"]),
        ]

        # Round 3 arriving while round 2 is open supersedes it: round 2 can no longer be decided.
        await h.client.post(f"/api/review/items/{second}/claim", headers=h.risk)
        await h.send(submitted(round=3))
        await h.queued("c-1", round=3)
        late = await h.client.post(
            f"/api/review/items/{second}/approve",
            headers=h.risk,
            json={"confirmations": ALL_CONFIRMED},
        )
        assert late.status_code == 409 and late.json()["error"]["code"] == "round_superseded"


async def test_separation_of_duties_and_withdrawn_rounds(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    async with service(pg_url, amqp_url, bus, identity) as h:
        # risk-1 also works as a lawyer here: their own application is not theirs to review
        await h.send(submitted("c-own", owner_id="risk-1"))
        await h.send(submitted("c-2"))
        own = await h.queued("c-own")
        other = await h.queued("c-2")

        mine = await h.client.post(f"/api/review/items/{own}/claim", headers=h.risk)
        assert mine.status_code == 403 and mine.json()["error"]["code"] == "self_review_forbidden"
        assert "不能审核自己提交的申请" in mine.json()["error"]["message"]

        lawyer_approve = await h.client.post(
            f"/api/review/items/{other}/approve",
            headers=h.lawyer,
            json={"confirmations": ALL_CONFIRMED},
        )
        assert (
            lawyer_approve.status_code == 403
            and lawyer_approve.json()["error"]["code"] == "forbidden"
        )
        assert (await h.client.get("/api/review/queue", headers=h.lawyer)).status_code == 403
        assert (await h.client.post(f"/api/review/items/{other}/claim")).status_code == 401
        stranger = identity.headers(user_id="lawyer-9", roles=["lawyer"])
        assert (
            await h.client.get(f"/api/review/items/{other}", headers=stranger)
        ).status_code == 404
        assert (
            await h.client.get(f"/api/review/items/{other}", headers=h.lawyer)
        ).status_code == 200

        await h.client.post(f"/api/review/items/{other}/claim", headers=h.risk)
        taken = await h.client.post(f"/api/review/items/{other}/claim", headers=h.risk2)
        assert (
            taken.status_code == 409 and taken.json()["error"]["code"] == "round_claimed_by_other"
        )
        sneaky = await h.client.post(
            f"/api/review/items/{other}/approve",
            headers=h.risk,
            json={"confirmations": ALL_CONFIRMED, "state": "approved", "reviewer_id": "x"},
        )
        assert sneaky.status_code == 422
        released = await h.client.post(f"/api/review/items/{other}/release", headers=h.risk)
        assert released.status_code == 200 and released.json()["state"] == "pending"
        assert released.json()["claimed_by"] is None
        await h.client.post(f"/api/review/items/{other}/claim", headers=h.risk2)

        await h.send(
            ContractWithdrawn(
                source="lexseal/contract",
                subject="c-2",
                data=ContractWithdrawnData(
                    contract_id="c-2",
                    round=1,
                    owner_id="lawyer-1",
                    actor_id="lawyer-1",
                    reason="客户取消",
                ),
            )
        )
        await h.wait_for(f"/api/review/items/{other}", lambda b: b["state"] == "withdrawn")
        refused = await h.client.post(
            f"/api/review/items/{other}/approve",
            headers={**h.risk2, "Accept-Language": "en-US,en;q=0.9"},
            json={"confirmations": ALL_CONFIRMED},
        )
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "round_withdrawn"
        assert refused.json()["error"]["message"] == "The application was withdrawn"
        assert (await h.client.get("/api/review/queue?state=in_review", headers=h.risk)).json()[
            "count"
        ] == 0
        conn = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
        try:
            rows = await conn.fetch(
                "SELECT actor_id, action FROM audit_log WHERE object_id = $1 ORDER BY id", other
            )
        finally:
            await conn.close()
        assert [(r["actor_id"], r["action"]) for r in rows] == [
            ("system", "review.queued"),
            ("risk-1", "review.claimed"),
            ("risk-1", "review.released"),
            ("risk-2", "review.claimed"),
            ("system", "review.withdrawn"),
        ]


async def test_pending_queue_is_paged_oldest_waiting_first(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity
) -> None:
    async with service(pg_url, amqp_url, bus, identity) as h:
        for n in range(5):
            await h.send(submitted(f"c-{n}"))
        await h.wait_for("/api/review/queue", lambda b: b["count"] == 5)
        seen: list[str] = []
        cursor = ""
        while True:
            page = (
                await h.client.get(f"/api/review/queue?limit=2&cursor={cursor}", headers=h.risk)
            ).json()
            seen += [i["contract_id"] for i in page["data"]]
            if not page["next_cursor"]:
                break
            cursor = page["next_cursor"]
        assert seen == [f"c-{n}" for n in range(5)]
        bad = await h.client.get("/api/review/queue?cursor=nonsense", headers=h.risk)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"
        codes = (await h.client.get("/api/review/reason-codes", headers=h.lawyer)).json()
        assert "document_scanned" in [c["code"] for c in codes["data"]]
