"""The raw parts a lifecycle is made of, each measured alone in CPU seconds per operation.

- pyHanko signing with a cached key (PAdES, no visible seal, no timestamp);
- pyHanko validation of one such signature against its root;
- one confirmed publish into a quorum queue (aio-pika, publisher confirms);
- one trivial FastAPI request, server CPU (uvicorn + uvloop + httptools, as the services run);
- one one-row PostgreSQL transaction (SQLAlchemy + asyncpg, as the services run), client CPU.

Each is the cheapest way to do that part with the same libraries; the lifecycle benchmark
multiplies them by how often a lifecycle needs each and sums them into its ideal CPU.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Baselines:
    """CPU seconds per operation."""

    sign: float
    validate: float
    publish: float
    http: float
    pg_tx: float

    def as_dict(self) -> dict[str, float]:
        """Return the figures by name (ms)."""
        return {k: round(v * 1000, 3) for k, v in self.__dict__.items()}


def _pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for number in range(3):
        for line in range(40):
            canvas.drawString(72, 770 - 18 * line, f"Page {number + 1}, clause {line + 1}.")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def measure_signing(n: int) -> tuple[float, float]:
    """Return CPU seconds per pyHanko signature (cached key) and per validation."""
    from lexseal_ca.pki import CertificateAuthority
    from pades.signer import CachedKeySigner
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with tempfile.TemporaryDirectory() as tmp:
        ca = CertificateAuthority.open(Path(tmp) / "ca", passphrase=b"bench")
        credential = ca.issue_firm(firm_name="示例律师事务所", credit_code=None)
    signer = CachedKeySigner.from_credential(credential)
    pdf = _pdf()
    meta = signers.PdfSignatureMetadata(
        field_name="sig", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )

    def sign() -> bytes:
        out = signers.PdfSigner(meta, signer=signer).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf))
        )
        return bytes(out.getvalue())

    sign()  # warm
    start = time.thread_time()
    for _ in range(n):
        signed = sign()
    sign_cpu = (time.thread_time() - start) / n
    from asn1crypto import x509 as asn1_x509

    root = asn1_x509.Certificate.load(ca.root.public_bytes(encoding=_der()))
    start = time.thread_time()
    for _ in range(n):
        reader = PdfFileReader(io.BytesIO(signed))
        status = validate_pdf_signature(
            reader.embedded_signatures[0],
            ValidationContext(trust_roots=[root], allow_fetching=False),
        )
        assert status.intact and status.valid
    return sign_cpu, (time.thread_time() - start) / n


def _der():  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


async def measure_publish(amqp_url: str, n: int) -> float:
    """Return CPU seconds per confirmed publish into a quorum queue."""
    import aio_pika

    name = f"lexseal.bench.{uuid.uuid4().hex[:8]}"
    conn = await aio_pika.connect_robust(amqp_url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        queue = await channel.declare_queue(
            name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        body = b'{"specversion":"1.0","type":"bench","data":{"k":"' + b"x" * 400 + b'"}}'
        await channel.default_exchange.publish(aio_pika.Message(body), routing_key=name)
        start = time.process_time()
        window = 200
        for first in range(0, n, window):
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(aio_pika.Message(body), routing_key=name)
                    for _ in range(min(window, n - first))
                )
            )
        cpu = (time.process_time() - start) / n
        await queue.delete(if_unused=False, if_empty=False)
        return cpu
    finally:
        await conn.close()


_TRIVIAL_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}
"""


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def measure_http(n: int) -> float:
    """Return the server's CPU seconds per trivial FastAPI request (keep-alive client)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "trivial_app.py").write_text(_TRIVIAL_APP)
        server = ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "trivial_app:app", "--port", str(port), *server],
            cwd=tmp,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        client.get("/ping")
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                for _ in range(50):
                    client.get("/ping")
                before = _cpu_of(proc.pid)
                for _ in range(n):
                    client.get("/ping")
                return (_cpu_of(proc.pid) - before) / n
        finally:
            proc.terminate()
            proc.wait(10)


async def measure_pg_tx(admin_url: str, n: int) -> float:
    """Return client CPU seconds per one-row INSERT transaction (SQLAlchemy + asyncpg)."""
    from servicekit.db import create_engine
    from servicekit.testing import PostgresDatabase
    from sqlalchemy import text

    with PostgresDatabase(admin_url, prefix="bench") as url:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (id text PRIMARY KEY, v text)"))
            for i in range(20):
                async with engine.begin() as conn:
                    await conn.execute(text("INSERT INTO t VALUES (:i, 'v')"), {"i": f"w{i}"})
            start = time.process_time()
            for i in range(n):
                async with engine.begin() as conn:
                    await conn.execute(text("INSERT INTO t VALUES (:i, 'v')"), {"i": str(i)})
            return (time.process_time() - start) / n
        finally:
            await engine.dispose()


def measure_all(*, amqp_url: str, pg_admin_url: str, n: int = 40) -> Baselines:
    """Measure every raw part (a few seconds)."""
    sign, validate = measure_signing(max(5, n // 4))
    return Baselines(
        sign=sign,
        validate=validate,
        publish=asyncio.run(measure_publish(amqp_url, n * 25)),
        http=measure_http(n * 10),
        pg_tx=asyncio.run(measure_pg_tx(pg_admin_url, n * 5)),
    )
