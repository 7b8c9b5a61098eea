"""Test helpers: a contract PDF, a tiny HTTP server, the service's settings, a bus listener."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from cnid import make_credit_code, make_resident_id
from lexseal_events import DocumentRef, ReviewApproved, ReviewApprovedData, SignerInfo
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from servicekit.testing import TestIdentity
from signing.config import Settings

PERSON_ID = make_resident_id(seq=7)
MOBILE = "13900139000"  # every test signer's mobile unless a test names another
COMPANY_CODE = make_credit_code()
ACCOUNT = "6222020200112233445"


def contract_pdf(pages: int = 2) -> bytes:
    """Return a plain A4 contract PDF."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    for n in range(pages):
        c.drawString(72, 760, f"Contract page {n + 1} - {uuid.uuid4().hex}")
        c.showPage()
    c.save()
    return buf.getvalue()


@contextmanager
def serve(
    routes: dict[str, tuple[int, bytes]], posts: list[tuple[str, Any]] | None = None
) -> Iterator[str]:
    """Serve fixed answers on 127.0.0.1; yield the base URL; JSON POST bodies go to `posts`."""
    posts = posts if posts is not None else []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            status, body = routes.get(self.path, (404, b"{}"))
            self.send_response(status)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            posts.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            self._answer()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def settings_for(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    data_dir: Path,
    **kw: Any,
) -> Settings:
    """Return the service's settings for one test."""
    # a test that has validators ask the CA's OCSP responder passes a reachable one
    kw.setdefault("public_base_url", "https://sign.example")
    s = Settings(
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
        data_dir=data_dir,
        **kw,
    )
    bus["queues"] = s.queue_name
    return s


def approved(
    url: str,
    pdf: bytes,
    *,
    contract_id: str = "c-1",
    owner_id: str = "lawyer-1",
    signers: list[SignerInfo] | None = None,
    cross_page_seal: bool = False,
) -> ReviewApproved:
    """Return a review.approved event for a document served at `url`."""
    doc = DocumentRef(sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), url=url)
    signers = (
        signers
        if signers is not None
        else [
            SignerInfo(
                signer_id="p1", kind="individual", name="张三", id_number=PERSON_ID, order=1
            ),
            SignerInfo(
                signer_id="e1",
                kind="enterprise",
                name="北京星河科技有限公司",
                id_number=COMPANY_CODE,
                order=2,
                legal_representative="李四",
                bank_account_number=ACCOUNT,
            ),
        ]
    )
    # the contract service requires a mobile of every signer (the operator's, for a company)
    signers = [
        x if (x.mobile or x.operator_mobile) else x.model_copy(update={"mobile": MOBILE})
        for x in signers
    ]
    return ReviewApproved(
        source="lexseal/review",
        subject=contract_id,
        data=ReviewApprovedData(
            contract_id=contract_id,
            review_id="r-1",
            round=1,
            reviewer_id="risk-1",
            reviewer_name="风控",
            owner_id=owner_id,
            title="采购合同",
            document=doc,
            signers=signers,
            cross_page_seal=cross_page_seal,
        ),
    )


class Listener:
    """Collect the events the service publishes on the test exchange."""

    def __init__(self, amqp_url: str, exchange: str, bus: dict[str, str]) -> None:
        self.amqp_url, self.exchange, self.bus = amqp_url, exchange, bus
        self.events: list[dict[str, Any]] = []
        self.queue_name = f"{bus['queue_prefix']}.listener"

    async def start(self) -> None:
        """Bind a queue to every signing.* event."""
        self.conn = await aio_pika.connect_robust(self.amqp_url)
        ch = await self.conn.channel()
        ex = await ch.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        q = await ch.declare_queue(self.queue_name, auto_delete=True)
        await q.bind(ex, "signing.#")
        self.bus["queues"] += "," + self.queue_name

        async def on(msg: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with msg.process():
                self.events.append(json.loads(msg.body))

        await q.consume(on)

    async def stop(self) -> None:
        """Close the connection."""
        await self.conn.close()

    async def wait_for(self, event_type: str, timeout: float = 10) -> dict[str, Any]:
        """Return the first event of a type, waiting for it."""
        for _ in range(int(timeout / 0.05)):
            for e in self.events:
                if e["type"] == event_type:
                    return e
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {event_type} among {[e['type'] for e in self.events]}")


async def wait_envelope(
    client: httpx.AsyncClient, headers: dict[str, str], contract_id: str = "c-1"
) -> dict[str, Any]:
    """Poll until the envelope of a contract exists; return its detail."""
    for _ in range(200):
        body = (
            await client.get(f"/api/signing/envelopes?contract_id={contract_id}", headers=headers)
        ).json()
        if body.get("count"):
            eid = body["data"][0]["id"]
            return (await client.get(f"/api/signing/envelopes/{eid}", headers=headers)).json()  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError("no envelope")


class Started:
    """A running service with one prepared envelope."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        app: Any,
        identity: TestIdentity,
        listener: Listener,
        envelope: dict[str, Any],
    ) -> None:
        self.client, self.app, self.identity, self.listener, self.envelope = (
            client,
            app,
            identity,
            listener,
            envelope,
        )
        self.lawyer = identity.headers(user_id="lawyer-1", roles=["lawyer"])
        self.risk = identity.headers(user_id="risk-9", roles=["risk_control"])

    @property
    def eid(self) -> str:
        """Return the envelope id."""
        return str(self.envelope["id"])

    async def invite(self, signer_id: str) -> str:
        """Invite a signer; return the invite API base path of their token."""
        r = await self.client.post(
            f"/api/signing/envelopes/{self.eid}/invitations",
            json={"signer_id": signer_id},
            headers=self.lawyer,
        )
        assert r.status_code == 201, r.text
        return "/api/signing/invite/" + r.json()["url"].rsplit("/", 1)[1]

    async def verify_person(self, base: str, *, passed: bool = True) -> None:
        """Pass the three-element check and the sandbox's hosted (H5) face check."""
        r = await self.client.post(
            f"{base}/verify/individual",
            json={"name": "张三", "id_number": PERSON_ID, "mobile": MOBILE},
        )
        assert r.status_code == 200, r.text
        await self.face_check(base, passed=passed)

    async def face_check(self, base: str, *, passed: bool = True) -> None:
        """Open an H5 session and answer on the sandbox provider's page."""
        r = await self.client.post(f"{base}/face/session", json={})
        assert r.status_code == 200, r.text
        page = r.json()["redirect_url"].split("?", 1)[0]
        reference = page.rsplit("/", 1)[1]
        r = await deliver_sandbox_callback(self.client, reference, passed=passed)
        assert r.status_code == 200, r.text

    async def confirm_intent(self, base: str) -> None:
        """Confirm the intent to sign with the sandbox SMS code shown on the signer's state."""
        r = await self.client.post(f"{base}/intent/request", json={})
        assert r.status_code == 200, r.text
        code = (await self.client.get(base)).json()["intent"]["sandbox_code"]
        r = await self.client.post(f"{base}/intent/confirm", json={"code": code})
        assert r.status_code == 200, r.text

    async def enterprise_details(self, base: str) -> None:
        """Pass the enterprise real-name step."""
        r = await self.client.post(
            f"{base}/verify/enterprise",
            json={
                "company_name": "北京星河科技有限公司",
                "credit_code": COMPANY_CODE,
                "legal_representative": "李四",
                "bank_account_number": ACCOUNT,
            },
        )
        assert r.status_code == 200, r.text

    async def last_amount(self) -> str:
        """Return the last amount the sandbox bank 'sent'."""
        sent = (await self.client.get("/api/signing/sandbox/transfers", headers=self.risk)).json()
        return str(sent["data"][0]["amount"])


@asynccontextmanager
async def started(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    data_dir: Path,
    signers: list[SignerInfo] | None = None,
    pdf: bytes | None = None,
    cross_page_seal: bool = False,
    **settings_kw: Any,
) -> AsyncIterator[Started]:
    """Run the service, publish review.approved and yield once the envelope is prepared."""
    from servicekit.pytest_plugin import publish_raw, running
    from signing.bootstrap import create_app

    pdf = pdf or contract_pdf()
    with serve({"/doc": (200, pdf)}) as base:
        app = create_app(settings_for(pg_url, amqp_url, bus, identity, data_dir, **settings_kw))
        async with running(app) as client:
            listener = Listener(amqp_url, bus["exchange"], bus)
            await listener.start()
            event = approved(f"{base}/doc", pdf, signers=signers, cross_page_seal=cross_page_seal)
            await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
            envelope = await wait_envelope(
                client, identity.headers(user_id="lawyer-1", roles=["lawyer"])
            )
            try:
                yield Started(client, app, identity, listener, envelope)
            finally:
                await listener.stop()


# The shortest way to a firm signature: one individual signs, then the firm.
ONE_SIGNER = [
    SignerInfo(signer_id="p1", kind="individual", name="张三", id_number=PERSON_ID, order=1)
]
COUNTERPARTY_SPOT = {"page": 1, "x": 72, "y": 100, "width": 100, "height": 100}
FIRM_SPOT = {**COUNTERPARTY_SPOT, "x": 330}


async def counterparty_signs(s: Started) -> None:
    """Have ONE_SIGNER's individual verify and sign, leaving the firm's signature to come."""
    tp = await s.invite("p1")
    await s.verify_person(tp)
    await s.confirm_intent(tp)
    r = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT)
    assert r.status_code == 200, r.text


async def firm_signs(s: Started) -> httpx.Response:
    """Ask for the firm's signature as a risk-control user."""
    return await s.client.post(
        f"/api/signing/envelopes/{s.eid}/firm-sign", json=FIRM_SPOT, headers=s.risk
    )


async def deliver_sandbox_callback(client: Any, reference: str, *, passed: bool) -> Any:
    """Have the sandbox sign its callback, then deliver it to the public route as its page does."""
    r = await client.post(f"/sign/face-sandbox/{reference}/result", json={"passed": passed})
    assert r.status_code == 200, r.text
    signed = r.json()
    return await client.post(
        signed["callback_path"],
        content=signed["callback"].encode(),
        headers={"x-lexseal-signature": signed["signature"], "content-type": "application/json"},
    )
