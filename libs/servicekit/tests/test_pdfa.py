"""PDF/A-2b: what `to_pdfa2b` adds, and that each explicit check catches what it names."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from servicekit.pdfa import SRGB_ICC, PdfaError, parse_pdf_date, to_pdfa2b
from servicekit.pdfa_check import pdffonts_unembedded, violations

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def _embedded_font() -> str:
    if "PdfaTestCJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("PdfaTestCJK", FONT_PATH, subfontIndex=0))
    return "PdfaTestCJK"


def _generated(*, font: str | None = None, text: str = "律师函 letter") -> bytes:
    """A reportlab document as the services write them: title, author, one line of text."""
    out = io.BytesIO()
    chosen = font or _embedded_font()
    canvas = Canvas(out, pagesize=A4, initialFontName=chosen, invariant=1)
    canvas.setTitle("标题 <title> & more")
    canvas.setAuthor("北京某某律师事务所")
    canvas.setFont(chosen, 12)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _edit(pdf: bytes, change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pdf_header = b"%PDF-1.7"
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pdfa() -> bytes:
    return to_pdfa2b(_generated())


def test_generated_pdf_is_not_pdfa_until_converted() -> None:
    found = violations(_generated())
    assert any(v.startswith("6.6.2:") for v in found), found
    assert any(v.startswith("6.2.2:") for v in found), found


def test_converted_pdf_passes_every_check(pdfa: bytes) -> None:
    assert violations(pdfa) == []
    assert pdffonts_unembedded(pdfa) == []


def test_xmp_declares_pdfa2b_and_mirrors_the_info_dictionary(pdfa: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdfa))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "标题 &lt;title&gt; &amp; more" in xmp  # escaped, not broken XML
    assert reader.metadata is not None
    assert reader.metadata.title == "标题 <title> & more"
    # pyHanko appends itself to an Info /Producer but not to the XMP's: none is kept
    assert "/Producer" not in reader.metadata


def test_output_intent_carries_the_srgb_profile(pdfa: bytes) -> None:
    (intent,) = PdfReader(io.BytesIO(pdfa)).trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile.get_data() == SRGB_ICC.read_bytes()
    assert profile["/N"] == 3


def test_conversion_is_deterministic() -> None:
    assert to_pdfa2b(_generated()) == to_pdfa2b(_generated())


def test_missing_icc_profile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PdfaError, match="icc-profiles-free"):
        to_pdfa2b(_generated(), icc_path=tmp_path / "none.icc")


def test_unembedded_base14_font_is_caught() -> None:
    pdf = to_pdfa2b(_generated(font="Helvetica", text="plain"))
    assert any("6.2.11.4" in v and "Helvetica" in v for v in violations(pdf))
    assert pdffonts_unembedded(pdf) == ["Helvetica"]


def test_info_that_differs_from_the_xmp_is_caught(pdfa: bytes) -> None:
    changed = _edit(pdfa, lambda w: w.add_metadata({"/Producer": "something; pyHanko"}))
    assert any(v.startswith("6.6.2.3:") and "/Producer" in v for v in violations(changed))
    moved = _edit(pdfa, lambda w: w.add_metadata({"/ModDate": "D:20300101000000Z"}))
    assert any(v.startswith("6.6.2.3:") and "/ModDate" in v for v in violations(moved))


def test_annotation_without_print_flag_or_appearance_is_caught(pdfa: bytes) -> None:
    def add_annot(writer: PdfWriter) -> None:
        annot = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Square"),
                NameObject("/Rect"): _rect(),
                NameObject("/F"): NumberObject(2),
            }
        )
        writer.pages[0][NameObject("/Annots")] = _array(writer._add_object(annot))

    found = violations(_edit(pdfa, add_annot))
    assert any("6.3.2" in v and "Print" in v for v in found), found
    assert any("6.3.2" in v and "hidden" in v for v in found), found
    assert any("6.3.3" in v for v in found), found


def test_missing_metadata_and_output_intent_and_id_are_caught(pdfa: bytes) -> None:
    def strip(writer: PdfWriter) -> None:
        del writer.root_object[NameObject("/Metadata")]
        del writer.root_object[NameObject("/OutputIntents")]

    found = violations(_edit(pdfa, strip))
    assert any(v.startswith("6.6.2: the catalog has no /Metadata") for v in found)
    assert any(v.startswith("6.2.2: no /GTS_PDFA1") for v in found)


def test_data_after_eof_and_bad_header_are_caught(pdfa: bytes) -> None:
    assert any(v.startswith("6.1.3") for v in violations(pdfa + b"junk"))
    assert any(v.startswith("6.1.2") for v in violations(b"%PDF-2.0" + pdfa[8:]))


def test_pdf_dates_parse_with_their_offsets() -> None:
    east = parse_pdf_date("D:20261207101500+08'00'")
    utc = parse_pdf_date("D:20261207021500Z")
    assert east is not None and east == utc
    assert parse_pdf_date("yesterday") is None


def _rect() -> ArrayObject:
    return ArrayObject([FloatObject(10), FloatObject(10), FloatObject(60), FloatObject(60)])


def _array(*items: object) -> ArrayObject:
    return ArrayObject(items)
