"""Test support for code that uses the engine: documents to sign and the external validators.

Shipped with the library so the engine's tests and the signing service's share one copy. It knows
no service and no test framework: skipping for a missing tool is the caller's business
(``servicekit.testing.need_tools`` in this repository).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

PYHANKO_CLI = Path(sys.executable).with_name("pyhanko")  # the CLI of the venv running the tests


def make_contract_pdf(*, pages: int = 3, title: str = "Service Agreement") -> bytes:
    """Build an unsigned A4 contract with a few pages of text."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    _, height = A4
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica-Bold", 16)
        canvas.drawString(72, height - 72, f"{title} - page {number}")
        canvas.setFont("Helvetica", 11)
        for line in range(30):
            canvas.drawString(
                72,
                height - 110 - 18 * line,
                f"Clause {number}.{line + 1}: the parties agree to term {line}.",
            )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def make_blank_pdf(*, pages: int = 1) -> bytes:
    """Build A4 pages with no ink at all (so the QR is the only thing a render shows)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for _ in range(pages):
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def reshape(
    pdf: bytes,
    *,
    rotate: int | None = None,
    mediabox: tuple[float, float, float, float] | None = None,
    cropbox: tuple[float, float, float, float] | None = None,
    on_tree: bool = False,
) -> bytes:
    """Return the PDF with every page turned / resized; `on_tree` puts them on /Pages instead."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    tree = writer.root_object["/Pages"].get_object()
    assert isinstance(tree, DictionaryObject)
    for key, value in (("/Rotate", rotate), ("/MediaBox", mediabox), ("/CropBox", cropbox)):
        if value is None:
            continue
        obj = NumberObject(value) if isinstance(value, int) else RectangleObject(value)
        for page in writer.pages:
            if on_tree:
                page.pop(NameObject(key), None)
            else:
                page[NameObject(key)] = obj
        if on_tree:
            tree[NameObject(key)] = obj
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_marker_png(*, width: int = 240, height: int = 120) -> bytes:
    """Build a seal image whose orientation shows: red, with its top-left quarter blue."""
    image = Image.new("RGBA", (width, height), (255, 0, 0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height // 2 - 1), fill=(0, 0, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def make_pubkey_encrypted_pdf() -> bytes:
    """Return a one-page PDF encrypted for a certificate (public-key security handler)."""
    import datetime

    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "recipient")])
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
        .not_valid_after(datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(make_blank_pdf())))
    der = cert.public_bytes(serialization.Encoding.DER)
    writer.encrypt_pubkey([asn1_x509.Certificate.load(der)])
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command and capture its text output."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False
    )


def decode_qr_codes(pdf: Path, out_dir: Path) -> list[str]:
    """Render each page at 150 dpi and return what zbar decodes, page by page."""
    run("pdftoppm", "-r", "150", "-png", pdf, out_dir / "page")
    results = []
    for png in sorted(out_dir.glob("page*.png")):
        results.append(run("zbarimg", "--raw", "-q", png).stdout.strip())
    return results


def nss_db_trusting(root_pem: Path, directory: Path) -> Path:
    """Create an NSS database that trusts ``root_pem`` for signatures (pdfsig)."""
    directory.mkdir(parents=True, exist_ok=True)
    run("certutil", "-N", "-d", f"sql:{directory}", "--empty-password")
    result = run(
        "certutil",
        "-A",
        "-d",
        f"sql:{directory}",
        "-n",
        "lexseal-root",
        "-t",
        ",C,",
        "-i",
        root_pem,
    )
    assert result.returncode == 0, result.stderr
    return directory


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Return the bounding box (pixels) of everything dark on a rendered page."""
    return ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 64 else 0).getbbox()


def colour_box(image: Image.Image, colour: str) -> tuple[int, int, int, int] | None:
    """Return the bounding box (pixels) of the pure "red" or "blue" on a rendered page."""
    r, g, b = image.convert("RGB").split()
    high = {"red": r, "blue": b}[colour].point(lambda v: 255 if v > 200 else 0)
    others = {"red": (g, b), "blue": (r, g)}[colour]
    low = [band.point(lambda v: 255 if v < 80 else 0) for band in others]
    return ImageChops.multiply(high, ImageChops.multiply(*low)).getbbox()
