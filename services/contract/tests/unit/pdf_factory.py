"""Test PDFs built in memory: plain functions with keyword overrides, reusable by any test."""

import io
import random
import zipfile
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from servicekit import testing

CONTRACT_TEXT = (
    "Service Agreement. Party A and Party B agree to the following terms and conditions."
)
CHINESE_TEXT = "委托代理合同 甲方与乙方经友好协商，就法律服务事宜达成如下协议。"


def text_pdf(
    *,
    pages: int = 2,
    text: str = CONTRACT_TEXT,
    pagesize: tuple[float, float] = A4,
    lines: int = 30,
    compress: bool = True,
) -> bytes:
    """Return a born-digital PDF with `lines` lines of real text on every page."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=pagesize, pageCompression=int(compress))
    font = _font_for(text)
    for number in range(1, pages + 1):
        canvas.setFont(font, 11)
        for line in range(lines):
            canvas.drawString(50, pagesize[1] - 60 - line * 18, f"{number}.{line + 1} {text}")
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def scanned_pdf(
    *,
    pages: int = 1,
    coverage: float = 1.0,
    ocr_text: str | None = None,
    footer: str | None = None,
    strips: int = 1,
) -> bytes:
    """Return a PDF whose pages are photos of paper: one raster image each, no real text.

    `ocr_text` adds an invisible OCR layer, `footer` a small visible line, `strips`
    splits each page image into horizontal bands as some scanners do.
    """
    return mixed_pdf(
        kinds=["scan"] * pages, coverage=coverage, ocr_text=ocr_text, footer=footer, strips=strips
    )


def mixed_pdf(
    *,
    kinds: Sequence[str] = ("text", "scan"),
    coverage: float = 1.0,
    ocr_text: str | None = None,
    footer: str | None = None,
    strips: int = 1,
) -> bytes:
    """Return a PDF with one page per entry of `kinds` ("text", "scan" or "letterhead")."""
    buf = io.BytesIO()
    width, height = A4
    canvas = Canvas(buf, pagesize=A4)
    for number, kind in enumerate(kinds, start=1):
        if kind == "text":
            canvas.setFont("Helvetica", 11)
            for line in range(30):
                canvas.drawString(50, height - 60 - line * 18, f"{number}.{line} {CONTRACT_TEXT}")
        elif kind == "letterhead":  # full-page background image under plenty of real text
            canvas.drawImage(ImageReader(_paper_image(seed=number)), 0, 0, width, height)
            canvas.setFont("Helvetica", 11)
            for line in range(30):
                canvas.drawString(50, height - 60 - line * 18, f"{number}.{line} {CONTRACT_TEXT}")
        else:
            _draw_scan(canvas, seed=number, coverage=coverage, strips=strips)
            if ocr_text:
                layer = canvas.beginText(50, height - 80)
                layer.setTextRenderMode(3)
                layer.setFont("Helvetica", 11)
                layer.textLines(ocr_text)
                canvas.drawText(layer)
            if footer:
                canvas.setFont("Helvetica", 8)
                canvas.drawString(50, 20, footer)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def encrypted_pdf(*, user_password: str = "", owner_password: str = "owner") -> bytes:  # noqa: S107
    """Return a text PDF encrypted with AES-256 (an empty user password still counts)."""
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(pages=1)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    return _bytes(writer)


def signed_pdf(*, field_name: str = "Signature1") -> bytes:
    """Return a text PDF carrying a real PAdES signature from a throwaway self-signed cert."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert, key = _self_signed()
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert]),  # type: ignore[no-untyped-call]
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(text_pdf(pages=1)))
    out = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name=field_name), signer=signer
    )
    return bytes(out.getvalue())


def empty_signature_field_pdf(*, field_name: str = "SignHere") -> bytes:
    """Return a text PDF with an unsigned signature field (a placeholder, not a signature)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    writer = IncrementalPdfFileWriter(io.BytesIO(text_pdf(pages=1)))
    fields.append_signature_field(
        writer, fields.SigFieldSpec(sig_field_name=field_name, box=(50, 50, 250, 120))
    )
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def javascript_pdf(*, where: str = "open_action", script: str = "app.alert('hi');") -> bytes:
    """Return a text PDF running JavaScript from `where`: open_action, names, link or page_aa."""
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(pages=1)))
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)}
    )
    if where == "open_action":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    elif where == "names":
        tree = DictionaryObject(
            {
                NameObject("/Names"): ArrayObject(
                    [TextStringObject("init"), writer._add_object(action)]
                )
            }
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )
    elif where == "link":
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 150, 70)]),
                NameObject("/A"): action,  # inline, as many producers write it
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    elif where == "page_aa":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    else:
        raise ValueError(f"unknown place for JavaScript: {where}")
    return _bytes(writer)


def embedded_file_pdf(*, how: str = "names", payload: bytes = b"invoice data") -> bytes:
    """Return a text PDF carrying a file, as a name-tree attachment or an annotation."""
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(pages=1)))
    if how == "names":
        writer.add_attachment("terms.txt", payload)
    elif how == "annotation":
        stream = DecodedStreamObject()
        stream.set_data(payload)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject("terms.txt"),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
            }
        )
        annot = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 70, 70)]),
                NameObject("/FS"): writer._add_object(spec),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    else:
        raise ValueError(f"unknown way to embed: {how}")
    return _bytes(writer)


def truncated_pdf(*, keep: float = 0.6) -> bytes:
    """Return the first `keep` share of a valid PDF, as an interrupted upload leaves it."""
    data = text_pdf(pages=3)
    return data[: int(len(data) * keep)]


def not_a_pdf(*, kind: str = "docx") -> bytes:
    """Return bytes of another format (docx, png or text) that a user might name .pdf."""
    if kind == "png":
        buf = io.BytesIO()
        Image.new("RGB", (20, 20), "white").save(buf, format="PNG")
        return buf.getvalue()
    if kind == "docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as docx:
            docx.writestr("[Content_Types].xml", "<Types/>")
            docx.writestr("word/document.xml", "<w:document/>")
        return buf.getvalue()
    if kind == "text":
        return CONTRACT_TEXT.encode()
    raise ValueError(f"unknown kind: {kind}")


def many_pages_pdf(n: int = 1000) -> bytes:
    """Return a PDF of `n` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(*A4)
    return _bytes(writer)


def big_pdf(size: int = 5_000_000) -> bytes:
    """Return a valid one-page text PDF padded to at least `size` bytes with an unused stream."""
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(pages=1)))
    padding = DecodedStreamObject()
    padding.set_data(random.Random(7).randbytes(size))
    writer._add_object(padding)
    return _bytes(writer)


def decompression_bomb_pdf(*, decoded_mb: int = 70) -> bytes:
    """Return a tiny PDF whose page content inflates to `decoded_mb` MB of operators."""
    # Tens of megabytes of "0 0 m " take minutes to tokenize in pure Python.
    content = zlib.compress(b"0 0 m " * (decoded_mb * 1024 * 1024 // 6), 9)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content
            + b"\nendstream",
            b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x00\nendstream",
        ]
    )


def page_tree_bomb_pdf(*, depth: int = 40) -> bytes:
    """Return a PDF whose page tree is a DAG that expands to 2**depth leaves (Count lies)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        node = 2 + level
        kid = node + 1
        objects.append(b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 1 >>" % (kid, kid))
    objects.append(b"<< /Type /Page /MediaBox [0 0 595 842] >>")
    return raw_pdf(objects)


def no_pages_pdf() -> bytes:
    """Return a well-formed PDF whose page tree is empty."""
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def with_page_rotation(data: bytes, *, degrees: int = 90) -> bytes:
    """Return `data` with every page rotated for display."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        page[NameObject("/Rotate")] = NumberObject(degrees)
    return _bytes(writer)


def raw_pdf(objects: list[bytes], *, version: bytes = b"1.7") -> bytes:
    """Return a PDF built from object bodies numbered 1..n, with a correct xref table."""
    return testing.raw_pdf(objects, header=b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")


def _font_for(text: str) -> str:
    if text.isascii():
        return "Helvetica"
    # Adobe's CJK CID font ships with every reader; registering it needs no font file.
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _paper_image(*, seed: int, size: tuple[int, int] = (620, 877)) -> Image.Image:
    """Return a greyish page photo: ragged text-like bars and a red seal."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (236, 234, 228))
    draw = ImageDraw.Draw(image)
    for row in range(60, size[1] - 120, 22):
        draw.rectangle((50, row, 50 + rng.randint(300, size[0] - 100), row + 8), fill=(40, 40, 40))
    x, y = size[0] - 200, size[1] - 200
    draw.ellipse((x, y, x + 120, y + 120), outline=(200, 30, 30), width=6)
    return image


def _draw_scan(canvas: Canvas, *, seed: int, coverage: float, strips: int) -> None:
    width, height = A4
    image = _paper_image(seed=seed)
    scale = coverage**0.5
    w, h = width * scale, height * scale
    x0, y0 = (width - w) / 2, (height - h) / 2
    band = image.height // strips
    for i in range(strips):
        piece = image.crop((0, i * band, image.width, (i + 1) * band))
        top = y0 + h - (i + 1) * h / strips
        canvas.drawImage(ImageReader(piece), x0, top, w, h / strips)


def _self_signed() -> tuple[object, object]:
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "lexseal test signer")])
    now = datetime.now(UTC)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(der_key),
    )


def _bytes(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def huge_page_pdf(*, side: float = 14_400, user_unit: float | None = 10.0) -> bytes:
    """Return a tiny PDF whose one page is `side` points square, scaled by /UserUnit."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=side, height=side)
    if user_unit is not None:
        page[NameObject("/UserUnit")] = FloatObject(user_unit)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def certificate_encrypted_pdf() -> bytes:
    """Return a PDF whose /Encrypt names the public-key handler (as Acrobat's certificate
    encryption writes it); its recipients are never opened, so a placeholder suffices."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /Length 128 "
        b"/Recipients [<3000>] >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R " % (len(objects) + 1)
    out += b"/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
