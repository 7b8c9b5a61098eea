"""Latency of one visible counterparty signature through the service vs bare pyHanko.

Run from the repository root:
    .venv/bin/python services/signing/bench/bench_service_signing.py [-n 30]

Needs PostgreSQL (DATABASE_URL, an admin URL; default postgres@127.0.0.1:5432) and RabbitMQ
(AMQP_URL; default guest@127.0.0.1:5672). The run uses a throw-away database and its own
exchange/queue prefix and removes them at the end.

What is measured, in one process, on the same prepared PDFs with the same seal and box:

* service: ``POST /api/signing/invite/{token}/sign`` on the real app (``create_app``), in
  process through ``servicekit.pytest_plugin.running`` (httpx ASGI transport, no sockets). Each
  envelope comes from a published ``review.approved``; invitation, identity check and face
  check happen in setup; only the sign call is timed. That call resolves the token, locks the
  envelope row, loads the latest bytes from PostgreSQL, decrypts the signer's key, renders the
  seal, signs (PAdES, visible seal, RFC 3161 timestamp from the service's in-process TSA),
  stores the new bytes, writes audit + outbox rows and commits. The service always timestamps.
* bare pyHanko: ``signers.PdfSigner(...).sign_pdf(IncrementalPdfFileWriter(...))`` with a
  signer built once (cached key), the same seal PNG as a ``PdfImage`` background, the same
  field box, on the very bytes the service signs for that envelope; once without a timestamp
  (the target's baseline) and once with the service's own in-process TSA object.
  ``sign_pdf`` runs ``asyncio.run`` so it is called on a worker thread (timed inside it) while
  the service's loop waits, so the service's background tasks do not run during it.
* (info) the service's own ``PdfSigningEngine.sign`` with the same TSA, signer built once: the
  difference to the service line is what the use case adds around the engine.

Rounds are interleaved (baselines then service, same envelope) so machine noise hits all alike.
``--profile K`` signs K more envelopes under pyinstrument (if installed) and prints the tree.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import logging
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aio_pika
import httpx
from cnid import make_resident_id
from lexseal_events import DocumentRef, ReviewApproved, ReviewApprovedData, SignerInfo
from pades.signer import CachedKeySigner
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import StaticStampStyle
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from servicekit.messaging import delete_topology
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import DEFAULT_AMQP, DEFAULT_PG_ADMIN, PostgresDatabase, TestIdentity
from signing.bootstrap import create_app
from signing.config import Settings

NAME = "张三"
PERSON_ID = make_resident_id(seq=7)
MOBILE = "13900139000"
LAWYER = {"user_id": "lawyer-1", "roles": ["lawyer"]}
# 0-based page, lower-left corner, size in points: box (72, 90, 185, 203) as in bench_signing.py
PLACEMENT = {"page": 0, "x": 72, "y": 90, "width": 113, "height": 113}
BOX = (72, 90, 185, 203)


def contract(pages: int = 3) -> bytes:
    """Build a small A4 contract (same shape as bench_signing.py)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for number in range(pages):
        for line in range(40):
            canvas.drawString(72, 770 - 18 * line, f"Page {number + 1}, clause {line + 1}.")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@contextmanager
def serve(path: str, body: bytes) -> Iterator[str]:
    """Serve `body` at `path` on 127.0.0.1 (the contract service's internal route); yield URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == path
            self.send_response(200 if ok else 404)
            payload = body if ok else b"{}"
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()


def approved(url: str, pdf: bytes, contract_id: str) -> ReviewApproved:
    """Return a review.approved for one individual counterparty (the firm is added by signing)."""
    doc = DocumentRef(sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), url=url)
    return ReviewApproved(
        source="lexseal/review",
        subject=contract_id,
        data=ReviewApprovedData(
            contract_id=contract_id,
            review_id=f"r-{contract_id}",
            round=1,
            reviewer_id="risk-1",
            reviewer_name="风控",
            owner_id=LAWYER["user_id"],
            title="采购合同",
            document=doc,
            signers=[
                SignerInfo(
                    signer_id="p1",
                    kind="individual",
                    name=NAME,
                    id_number=PERSON_ID,
                    mobile=MOBILE,
                )
            ],
        ),
    )


@dataclass
class Ready:
    """One prepared envelope whose counterparty is verified and may sign."""

    envelope_id: str
    invite: str  # /api/signing/invite/{token}
    pdf: bytes  # the envelope's current (prepared, QR-stamped) bytes


@dataclass
class Samples:
    """Latencies of one path, in milliseconds."""

    label: str
    ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"  {self.label:44s} n={len(self.ms):3d}  median {self.median:7.1f} ms  "
            f"p95 {self.p95:7.1f} ms  {1000 / self.median:6.1f} sig/s"
        )


async def wait_envelope(client: httpx.AsyncClient, headers: dict[str, str], cid: str) -> str:
    """Poll until the envelope of a contract is prepared; return its id."""
    for _ in range(600):
        r = await client.get(f"/api/signing/envelopes?contract_id={cid}", headers=headers)
        body = r.json()
        if body.get("count"):
            return str(body["data"][0]["id"])
        await asyncio.sleep(0.05)
    raise RuntimeError(f"no envelope for {cid}")


async def make_ready(
    client: httpx.AsyncClient, identity: TestIdentity, amqp_url: str, exchange: str, n: int
) -> list[Ready]:
    """Publish `n` approvals, wait for the envelopes, invite and verify each counterparty."""
    lawyer = identity.headers(**LAWYER)
    pdf = contract()
    run = uuid.uuid4().hex[:8]
    cids = [f"bench-{run}-{i}" for i in range(n)]
    eids = []
    with serve("/internal/contract/documents/bench", pdf) as url:
        # One at a time: concurrent approvals of identical bytes race on the documents table.
        for cid in cids:
            event = approved(url, pdf, cid)
            await publish_raw(amqp_url, exchange, event.to_json(), event.type)
            eids.append(await wait_envelope(client, lawyer, cid))
    ready = []
    for eid in eids:
        r = await client.post(
            f"/api/signing/envelopes/{eid}/invitations", json={"signer_id": "p1"}, headers=lawyer
        )
        assert r.status_code == 201, r.text
        base = "/api/signing/invite/" + r.json()["url"].rsplit("/", 1)[1]
        r = await client.post(
            f"{base}/verify/individual",
            json={"name": NAME, "id_number": PERSON_ID, "mobile": MOBILE},
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"{base}/face/session", json={})
        reference = r.json()["redirect_url"].split("?", 1)[0].rsplit("/", 1)[1]
        # the sandbox signs its callback; its page delivers it to the public callback route
        r = await client.post(f"/sign/face-sandbox/{reference}/result", json={"passed": True})
        assert r.status_code == 200, r.text
        signed = r.json()
        r = await client.post(
            signed["callback_path"],
            content=signed["callback"].encode(),
            headers={
                "x-lexseal-signature": signed["signature"],
                "content-type": "application/json",
            },
        )
        assert r.status_code == 200, r.text
        # the signing intent (SMS code, sandbox: read back from the page's state), untimed
        assert (await client.post(f"{base}/intent/request", json={})).status_code == 200
        code = (await client.get(base)).json()["intent"]["sandbox_code"]
        r = await client.post(f"{base}/intent/confirm", json={"code": code})
        assert r.status_code == 200, r.text
        doc = await client.get(f"/api/signing/envelopes/{eid}/document.pdf", headers=lawyer)
        assert doc.status_code == 200, doc.text
        ready.append(Ready(eid, base, doc.content))
    return ready


def bare_sign(
    pdf: bytes, signer: signers.Signer, seal: Image.Image, timestamper: TimeStamper | None
) -> bytes:
    """Sign as a pyHanko user would: stock PdfSigner, visible field, seal as background."""
    style = StaticStampStyle(
        background=PdfImage(seal),
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="sig_1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec("sig_1", on_page=0, box=BOX),
    )
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return bytes(out.getvalue())


def timed_on(pool: ThreadPoolExecutor, fn: Callable[[], bytes]) -> float:
    """Run `fn` on the worker thread, timed there (ms); the calling loop blocks meanwhile."""

    def run() -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    return pool.submit(run).result()


async def service_sign(client: httpx.AsyncClient, ready: Ready) -> float:
    """Time one sign call through the HTTP route (ms)."""
    start = time.perf_counter()
    r = await client.post(f"{ready.invite}/sign", json=PLACEMENT)
    elapsed = (time.perf_counter() - start) * 1000
    assert r.status_code == 200 and r.json()["signed"] is True, r.text
    return elapsed


async def bench(args: argparse.Namespace, pg_url: str, amqp_url: str, bus: dict[str, str]) -> None:
    """Run the service, prepare envelopes, measure, print."""
    identity = TestIdentity()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test",
            database_url=pg_url,
            amqp_url=amqp_url,
            exchange=bus["exchange"],
            queue_prefix=bus["queue_prefix"],
            jwt_public_key=identity.public_key_pem,
            log_json=False,
            log_level="WARNING",
            data_dir=Path(tmp),
            public_base_url="https://sign.example",
        )
        bus["queues"] = settings.queue_name
        app = create_app(settings)
        # Keep the output readable: broker access lines and sandbox warnings (setup only).
        # (faststream resets its access logger's level at broker start; a filter survives that.)
        logging.getLogger("faststream.access.rabbit").addFilter(
            lambda record: record.levelno >= logging.WARNING
        )
        logging.getLogger("signing").setLevel(logging.ERROR)
        async with running(app) as client:
            deps = app.state.kit.deps
            total = args.warmup + args.n + args.profile
            t0 = time.perf_counter()
            ready = await make_ready(client, identity, amqp_url, bus["exchange"], total)
            print(
                f"setup: {total} envelopes prepared, invited and verified in "
                f"{time.perf_counter() - t0:.1f} s"
            )

            # Same key type/CA as the service's signers; the signer object is built once.
            credential = deps.pki.ca.issue_individual(name=NAME, id_number=PERSON_ID)
            cached = CachedKeySigner.from_credential(credential)
            seal_png = deps.seals.individual(NAME)  # what seal_for() gives this signer
            seal = Image.open(io.BytesIO(seal_png))
            seal.load()
            tsa = deps.pki.timestamper  # the service's in-process RFC 3161 TSA

            paths = {
                "bare": Samples("bare pyHanko, cached key, no timestamp"),
                "bare_tsa": Samples("bare pyHanko, cached key, in-process TSA"),
                "engine": Samples("(info) service's engine.sign alone (+TSA)"),
                "service": Samples("service POST /invite/{token}/sign (+TSA)"),
            }
            engine = deps.engine
            with ThreadPoolExecutor(1) as pool:
                for i, item in enumerate(ready[: args.warmup + args.n]):
                    b = timed_on(pool, lambda p=item.pdf: bare_sign(p, cached, seal, None))
                    bt = timed_on(pool, lambda p=item.pdf: bare_sign(p, cached, seal, tsa))
                    e = timed_on(
                        pool,
                        lambda p=item.pdf: engine.sign(
                            p,
                            signer=cached,
                            field_name="sig_1",
                            page=0,
                            box=BOX,
                            seal_png=seal_png,
                            timestamper=tsa,
                            name=NAME,
                        ),
                    )
                    s = await service_sign(client, item)
                    if i >= args.warmup:
                        paths["bare"].ms.append(b)
                        paths["bare_tsa"].ms.append(bt)
                        paths["engine"].ms.append(e)
                        paths["service"].ms.append(s)

            load = os.getloadavg()
            print(
                f"\nvisible PAdES signature, ECDSA P-256, 3-page A4, seal {seal.size[0]} px, "
                f"{args.warmup} warm-up + {args.n} rounds interleaved; "
                f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
            )
            for samples in paths.values():
                print(samples.line())
            service = paths["service"].median
            ratio = service / paths["bare"].median
            ratio_tsa = service / paths["bare_tsa"].median
            print(
                f"  ratio service/bare (no TS)      {ratio:5.2f}x   target <= 1.5x: "
                f"{'met' if ratio <= 1.5 else 'NOT met'}"
            )
            print(f"  ratio service/bare (same TSA)   {ratio_tsa:5.2f}x")
            print(
                f"  service minus engine (median)   {service - paths['engine'].median:5.1f} ms "
                "(token, row lock, load/store bytes, key, seal render, audit/outbox, HTTP)"
            )
            print(
                f"  service median {service:.1f} ms   target < 100 ms: "
                f"{'met' if service < 100 else 'NOT met'}"
            )
            if args.profile:
                await profile(client, ready[args.warmup + args.n :])


async def profile(client: httpx.AsyncClient, items: list[Ready]) -> None:
    """Sign `items` under pyinstrument and print where the time goes."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n--profile: pyinstrument is not installed; skipped")
        return
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    with profiler:
        for item in items:
            await service_sign(client, item)
    print(f"\npyinstrument, {len(items)} service signatures:")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


async def cleanup_bus(amqp_url: str, bus: dict[str, str]) -> None:
    """Delete the run's exchange and queues."""
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        queues = [q for q in bus["queues"].split(",") if q]
        await delete_topology(ch, exchange=bus["exchange"], queues=queues)


def main() -> None:
    """Parse options, run the benchmark, always clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=30, help="timed signatures per path")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="K",
        help="then sign K more envelopes under pyinstrument",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    amqp_url = os.environ.get("AMQP_URL", DEFAULT_AMQP)
    admin_url = os.environ.get("DATABASE_URL", DEFAULT_PG_ADMIN)
    run = uuid.uuid4().hex[:10]
    bus = {"exchange": f"lexseal.bench.{run}", "queue_prefix": f"lexseal.bench.{run}", "queues": ""}
    with PostgresDatabase(admin_url, prefix="bench") as pg_url:
        try:
            asyncio.run(bench(args, pg_url, amqp_url, bus))
        finally:
            asyncio.run(cleanup_bus(amqp_url, bus))
    print(f"cleaned up: database dropped, exchange {bus['exchange']} and its queues deleted")


if __name__ == "__main__":
    main()
