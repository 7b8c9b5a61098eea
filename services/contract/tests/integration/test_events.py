"""Review and signing events move the application, only for its current round and envelope."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pdf_factory as pdfs
import pytest
from harness import RISK, Harness, harness
from lexseal_events import (
    Completed,
    CompletedData,
    CounterpartySigned,
    CounterpartySignedData,
    Declined,
    DeclinedData,
    DocumentRef,
    InvitationCreated,
    InvitationCreatedData,
    ReviewApproved,
    ReviewApprovedData,
    ReviewRejected,
    ReviewRejectedData,
)
from servicekit.testing import TestIdentity
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration
SIGNING = "lexseal/signing"


@pytest.fixture
async def h(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
):  # type: ignore[no-untyped-def]
    async with harness(
        pg_url=pg_url, amqp_url=amqp_url, bus=bus, identity=identity, data_dir=tmp_path
    ) as h:
        yield h


@pytest.fixture
def signed_server() -> Iterator[tuple[str, bytes]]:
    """Serve a 'signed' PDF the way the signing service's internal route would."""
    body = pdfs.text_pdf(pages=1, text="signed copy")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.headers.get("x-lexseal-internal")
            self.send_response(200 if ok else 403)
            self.send_header("content-length", str(len(body) if ok else 0))
            self.end_headers()
            if ok:
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/internal/signing/documents/x", body
    server.shutdown()


def approved(cid: str, *, round_: int) -> ReviewApproved:
    return ReviewApproved(
        source="lexseal/review",
        subject=cid,
        data=ReviewApprovedData(
            contract_id=cid,
            review_id="r-1",
            round=round_,
            reviewer_id="risk-1",
            reviewer_name="风控李",
            owner_id="lawyer-1",
            title="t",
            document=DocumentRef(sha256="a" * 64, size=1, url="http://x"),
            signers=[],
            comment="同意",
        ),
    )


def rejected(cid: str, *, round_: int) -> ReviewRejected:
    return ReviewRejected(
        source="lexseal/review",
        subject=cid,
        data=ReviewRejectedData(
            contract_id=cid,
            review_id="r-1",
            round=round_,
            reviewer_id="risk-1",
            reviewer_name="风控李",
            owner_id="lawyer-1",
            title="t",
            reasons=["签章人信息不完整", "金额有误"],
            comment="请补充",
        ),
    )


def envelope(cid: str, envelope_id: str = "env-1") -> dict[str, str]:
    return {"envelope_id": envelope_id, "contract_id": cid, "owner_id": "lawyer-1"}


async def submitted(h: Harness) -> str:
    c = await h.ready()
    assert (await h.post(f"/contracts/{c['id']}/submit")).status_code == 200
    return str(c["id"])


async def marker_applied(h: Harness, marker: str) -> None:
    """Approve the `marker` contract and wait for it: the consumer applies events in order, so
    every event sent before this one has been applied (or ignored) by then."""
    await h.send(approved(marker, round_=1))
    await h.status_becomes(marker, "approved")


async def test_rejection_returns_it_for_editing_and_a_stale_approval_is_ignored(h) -> None:  # type: ignore[no-untyped-def]
    cid = await submitted(h)
    await h.send(rejected(cid, round_=1))
    body = await h.status_becomes(cid, "rejected")
    assert (
        body["review_reasons"] == ["签章人信息不完整", "金额有误"]
        and body["review_comment"] == "请补充"
    )
    edit = await h.client.patch(
        f"/api/contract/contracts/{cid}",
        json={"amount": "1.00"},
        headers=h.as_({"user_id": "lawyer-1", "roles": ["lawyer"]}),
    )
    assert edit.status_code == 200
    assert (await h.post(f"/contracts/{cid}/submit")).json()["round"] == 2
    events = [await h.published("contract.submitted"), await h.published("contract.submitted")]
    assert [e["data"]["round"] for e in events] == [1, 2] and events[1]["data"]["amount"] == "1.00"
    marker = await submitted(h)
    await h.send(approved(cid, round_=1))  # a late decision on the old round
    await marker_applied(h, marker)
    assert (await h.get(f"/contracts/{cid}")).json()["status"] == "submitted"
    await h.send(approved(cid, round_=2))
    body = await h.status_becomes(cid, "approved")
    assert body["reviewer_name"] == "风控李" and body["review_reasons"] is None
    assert [t["action"] for t in body["timeline"]] == [
        "create",
        "submit",
        "review.rejected",
        "resubmit",
        "review.approved",
    ]


async def test_signing_runs_to_completion_and_the_signed_copy_is_kept(h, signed_server) -> None:  # type: ignore[no-untyped-def]
    url, signed = signed_server
    marker = await submitted(h)
    cid = await submitted(h)
    await h.send(approved(cid, round_=1))
    await h.status_becomes(cid, "approved")
    invite = InvitationCreated(
        source=SIGNING,
        subject=cid,
        data=InvitationCreatedData(
            **envelope(cid),
            signer_id="s1",
            signer_name="李四",
            expires_at=datetime.now(UTC) + timedelta(days=1),
        ),
    )
    await h.send(invite)
    await h.send(invite)  # redelivery changes nothing
    await h.status_becomes(cid, "signing")
    stray = CounterpartySigned(
        source=SIGNING,
        subject=cid,
        data=CounterpartySignedData(
            **envelope(cid, "env-old"),
            signer_id="s1",
            signer_name="李四",
            remaining_counterparties=0,
        ),
    )
    await h.send(stray)
    await marker_applied(h, marker)
    assert (await h.get(f"/contracts/{cid}")).json()["status"] == "signing"
    await h.send(
        CounterpartySigned(
            source=SIGNING,
            subject=cid,
            data=CounterpartySignedData(
                **envelope(cid), signer_id="s1", signer_name="李四", remaining_counterparties=0
            ),
        )
    )
    await h.status_becomes(cid, "counterparty_signed")
    ref = DocumentRef(sha256=hashlib.sha256(signed).hexdigest(), size=len(signed), url=url)
    await h.send(
        Completed(
            source=SIGNING,
            subject=cid,
            data=CompletedData(
                **envelope(cid),
                document=ref,
                verify_code="V1",
                verify_url="http://v/1",
                firm_signer_id="f",
            ),
        )
    )
    body = await h.status_becomes(cid, "completed")
    assert body["has_signed_document"]
    assert [t["to_status"] for t in body["timeline"]].count("signing") == 1
    download = await h.get(f"/contracts/{cid}/signed-document", RISK)
    assert download.status_code == 200 and download.content == signed
    # a download of the signed contract is on the record, with who made it
    engine = create_async_engine(h.settings.database_url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT actor_id, object_id, after FROM audit_log"
                    " WHERE action = 'document.downloaded' AND object_id = :cid"
                ),
                {"cid": cid},
            )
        ).all()
    await engine.dispose()
    assert [(r[0], r[1], json.loads(r[2])["file"]) for r in rows] == [("risk-1", cid, "signed.pdf")]


async def test_a_declined_signer_ends_the_application(h) -> None:  # type: ignore[no-untyped-def]
    marker = await submitted(h)
    cid = await submitted(h)
    await h.send(
        Declined(
            source=SIGNING,
            subject=cid,
            data=DeclinedData(
                **envelope(cid), signer_id="s1", signer_name="李四", reason="条款有异议"
            ),
        )
    )
    await marker_applied(h, marker)
    assert (await h.get(f"/contracts/{cid}")).json()["status"] == "submitted"  # not yet in signing
    await h.send(approved(cid, round_=1))
    await h.status_becomes(cid, "approved")
    await h.send(
        Declined(
            source=SIGNING,
            subject=cid,
            data=DeclinedData(
                **envelope(cid), signer_id="s1", signer_name="李四", reason="条款有异议"
            ),
        )
    )
    body = await h.status_becomes(cid, "declined")
    assert body["timeline"][-1]["note"] == "条款有异议"
    assert (await h.post(f"/contracts/{cid}/withdraw")).status_code == 409
