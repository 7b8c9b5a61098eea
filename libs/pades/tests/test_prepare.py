"""Preparation: the verification QR on every page, before any signature."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import VERIFY_URL
from pades.errors import PdfError
from pades.pdf import document_geometry, prepare
from pades.testing import decode_qr_codes, make_contract_pdf
from pypdf import PdfReader
from servicekit.testing import need_tools


def test_every_page_gets_a_qr_that_decodes_to_the_verify_url(
    prepared_pdf: bytes, tmp_path: Path
) -> None:
    need_tools("pdftoppm", "zbarimg")
    pdf = tmp_path / "prepared.pdf"
    pdf.write_bytes(prepared_pdf)

    assert decode_qr_codes(pdf, tmp_path) == [VERIFY_URL] * 3


def test_qr_box_sits_small_in_the_bottom_right_corner(prepared_pdf: bytes) -> None:
    (mediabox,) = {page.box for page in document_geometry(prepared_pdf)}
    x1, y1, x2, y2 = document_geometry(prepared_pdf)[0].qr_box

    assert mediabox == pytest.approx((0, 0, 595.2756, 841.8898))
    assert 60 <= x2 - x1 <= 72 and y2 - y1 < 85
    assert mediabox[2] - x2 < 20 and y1 - mediabox[1] < 20


def test_page_text_survives_preparation(prepared_pdf: bytes) -> None:
    text = PdfReader(__import__("io").BytesIO(prepared_pdf)).pages[1].extract_text()

    assert "Service Agreement - page 2" in text


def test_signed_pdf_cannot_be_prepared_again(signed_pdf: bytes) -> None:
    with pytest.raises(PdfError) as err:
        prepare(signed_pdf, VERIFY_URL)
    assert err.value.code == "pdf_already_signed"


@pytest.mark.parametrize("data", [b"", b"not a pdf", make_contract_pdf()[:300]])
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(PdfError) as err:
        prepare(data, VERIFY_URL)
    assert err.value.code in {"not_a_pdf", "pdf_empty"}
