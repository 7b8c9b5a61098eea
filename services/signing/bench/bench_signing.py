"""Latency of one visible PAdES signature: stock pyHanko SimpleSigner vs our engine.

Run: cd services/signing && PYTHONPATH=src python bench/bench_signing.py [--rounds N]
Both paths sign the same prepared PDF with the same seal at the same box, interleaved
round by round so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lexseal_ca.pki import CertificateAuthority, IssuedCredential
from pades.pdf import PdfSigningEngine, prepare
from pades.seals import SealRenderer
from pades.signer import to_asn1
from pades.tsa import LexsealTimeStamper
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

BOX = (72, 90, 185, 203)


def contract(pages: int = 3) -> bytes:
    """Build a small A4 contract."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for number in range(pages):
        for line in range(40):
            canvas.drawString(72, 770 - 18 * line, f"Page {number + 1}, clause {line + 1}.")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def stock_signer(credential: IssuedCredential) -> signers.SimpleSigner:
    """Build pyHanko's SimpleSigner the documented way, from PEM key material."""
    key = load_private_key_from_pemder_data(credential.private_key_pem(b"pw"), b"pw")
    return signers.SimpleSigner(
        signing_cert=to_asn1(credential.certificate),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in credential.chain]),
    )


def baseline(
    pdf: bytes, signer: signers.SimpleSigner, seal: PdfImage, timestamper: TimeStamper | None
) -> bytes:
    """Sign with stock pyHanko defaults (no bytes_reserved, key re-parsed per signature)."""
    style = StaticStampStyle(
        background=seal,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )
    meta = signers.PdfSignatureMetadata(field_name="sig", subfilter=fields.SigSeedSubFilter.PADES)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec("sig", on_page=0, box=BOX),
    )
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return bytes(out.getvalue())


def timed(fn: Callable[[], bytes]) -> float:
    """Return the wall time of one call in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summary(samples: list[float]) -> str:
    """Format median / p95 / throughput."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"median {median:6.1f} ms  p95 {p95:6.1f} ms  {1000 / median:5.1f} sig/s"


def main() -> None:
    """Run both paths interleaved and print the figures and the speed-up."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ca = CertificateAuthority.open(Path(tmp) / "ca", passphrase=b"bench")
        credential = ca.issue_individual(name="张三", id_number="11010519491231002X")
        tsa = LexsealTimeStamper(ca.issue_tsa(name="bench"))
    seal_png = SealRenderer().individual("张三")
    pdf = prepare(contract(), "https://lexseal.example/verify/bench")
    engine = PdfSigningEngine()
    ours = engine.signer_for(credential)
    stock = stock_signer(credential)
    from PIL import Image

    seal_image = Image.open(io.BytesIO(seal_png))
    seal_image.load()
    for label, ts in (("no timestamp", None), ("with RFC 3161 timestamp", tsa)):
        runs: dict[str, list[float]] = {"stock SimpleSigner": [], "lexseal engine": []}
        for _ in range(3):  # warm-up: imports, caches, first event loop
            baseline(pdf, stock, PdfImage(seal_image), ts)
            engine.sign(
                pdf,
                signer=ours,
                field_name="sig",
                page=0,
                box=BOX,
                seal_png=seal_png,
                timestamper=ts,
            )
        for _ in range(args.rounds):
            runs["stock SimpleSigner"].append(
                timed(lambda ts=ts: baseline(pdf, stock, PdfImage(seal_image), ts))
            )
            runs["lexseal engine"].append(
                timed(
                    lambda ts=ts: engine.sign(
                        pdf,
                        signer=ours,
                        field_name="sig",
                        page=0,
                        box=BOX,
                        seal_png=seal_png,
                        timestamper=ts,
                    )
                )
            )
        print(f"\n{label} ({args.rounds} rounds, ECDSA P-256, visible seal, 3-page A4)")
        for name, samples in runs.items():
            print(f"  {name:20s} {summary(samples)}")
        ratio = statistics.median(runs["stock SimpleSigner"]) / statistics.median(
            runs["lexseal engine"]
        )
        print(f"  speed-up (median stock / median engine): {ratio:.2f}x")


if __name__ == "__main__":
    main()
