"""PDF/A-2b survives sealing: the QR stamp and each signature's update keep the declaration.

The checks are servicekit.pdfa_check's explicit PDF/A-2b clauses (no full validator runs on
this machine kind) plus poppler's pdffonts, which lists every font of every page and appearance.
"""

from __future__ import annotations

import io

import pytest
from conftest import VERIFY_URL, Party
from lexseal_ca.pki import CertificateAuthority
from pades.ltv import validation_context
from pades.pdf import PdfSigningEngine, prepare
from pades.testing import make_contract_pdf
from pades.tsa import LexsealTimeStamper
from pades.verify import verify_pdf
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import PdfTimeStamper
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from servicekit.pdfa import to_pdfa2b
from servicekit.pdfa_check import pdffonts_unembedded, violations
from servicekit.testing import need_tools
from signing.adapters.audit_pdf import SIGNATURE_BOX, AuditLine, render_audit_pdf


def _pdfa_letter(pages: int = 2) -> bytes:
    """A letter as the letters service hands it over: embedded font, PDF/A-2b declared."""
    from signing.adapters.audit_pdf import _font

    font = _font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, initialFontName=font, invariant=1)
    canvas.setTitle("律师事务所函 （2026）某律函字第0001号")
    canvas.setAuthor("上海明诚律师事务所")
    for number in range(pages):
        canvas.setFont(font, 14)
        canvas.drawString(72, 760, f"律师事务所函 第{number + 1}页")
        canvas.showPage()
    canvas.save()
    return to_pdfa2b(out.getvalue())


@pytest.fixture(scope="module")
def sealed_letter(
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
) -> list[bytes]:
    """Every revision: the letter, the QR-stamped one, after a counterparty, after the firm."""
    revisions = [_pdfa_letter()]
    revisions.append(prepare(revisions[-1], VERIFY_URL))
    for party in (parties[1], parties[2]):
        revisions.append(
            engine.sign(
                revisions[-1],
                signer=engine.signer_for(party.credential),
                field_name=party.field_name,
                page=1,
                box=party.box,
                seal_png=party.seal_png,
                timestamper=tsa,
                validation_context=validation_context(ca),
            )
        )
    return revisions


def test_every_revision_of_a_sealed_letter_is_pdfa_2b(sealed_letter: list[bytes]) -> None:
    for number, revision in enumerate(sealed_letter):
        assert violations(revision) == [], f"revision {number}"


def test_no_font_anywhere_is_unembedded_after_sealing(sealed_letter: list[bytes]) -> None:
    need_tools("pdffonts")
    for revision in sealed_letter:
        assert pdffonts_unembedded(revision) == []


def test_sealed_letter_still_verifies(sealed_letter: list[bytes], ca: CertificateAuthority) -> None:
    report = verify_pdf(sealed_letter[-1], [ca.root_pem()])
    assert report.valid, report.reason


def test_signature_updates_keep_info_and_xmp_in_step(sealed_letter: list[bytes]) -> None:
    reader = PdfReader(io.BytesIO(sealed_letter[-1]))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert reader.metadata is not None and reader.metadata.producer is not None
    assert reader.metadata.producer in xmp  # the signer wrote itself to both, identically
    assert 'pdfaid:part="2"' in xmp or "<pdfaid:part>2</pdfaid:part>" in xmp


def test_qr_stamp_adds_no_font_to_any_document() -> None:
    # The stamp used to be a reportlab page, which selects Helvetica on every page it touches.
    contract = make_contract_pdf(pages=2)
    stamped = prepare(contract, VERIFY_URL)

    def fonts(pdf: bytes) -> list[set[str]]:
        pages = PdfReader(io.BytesIO(pdf)).pages
        return [set(p["/Resources"].get_object().get("/Font", {}).keys()) for p in pages]

    assert fonts(stamped) == fonts(contract)
    need_tools("pdffonts")
    assert pdffonts_unembedded(stamped) == pdffonts_unembedded(contract)


def test_signed_audit_trail_is_pdfa_2b(
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
) -> None:
    lines = [
        AuditLine(
            at="2026-12-07T02:00:00+00:00",
            actor="张三",
            action="signature.applied",
            ip="203.0.113.7",
            # a character the font lacks is printed as its code point, never as .notdef
            detail='{"note": "签章 😀"}',
        )
    ]
    audit = render_audit_pdf(title="Audit trail e1", header=["文件 Document: 合同"], lines=lines)
    assert violations(audit) == []
    firm = parties[2]
    x1, y1, x2, y2 = SIGNATURE_BOX
    signed = engine.sign(
        audit,
        signer=engine.signer_for(firm.credential),
        field_name="platform",
        page=0,
        box=(x1, y1, x2, y2),
        seal_png=firm.seal_png,
        timestamper=tsa,
        validation_context=validation_context(ca),
    )
    assert violations(signed) == []
    need_tools("pdffonts")
    assert pdffonts_unembedded(signed) == []


def test_a_document_timestamp_after_the_seal_keeps_the_declaration(
    sealed_letter: list[bytes], tsa: LexsealTimeStamper, ca: CertificateAuthority
) -> None:
    # B-LTA adds a document timestamp (and its validation data) as further pyHanko updates.
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed_letter[-1]), strict=False)
    out = io.BytesIO()
    PdfTimeStamper(tsa).timestamp_pdf(
        writer, "sha256", validation_context=validation_context(ca), output=out
    )
    assert violations(out.getvalue()) == []
