"""The service stamps uploaded documents' QR under the shared PDF limits (servicekit.pdflimits)."""

from __future__ import annotations

import pytest
from conftest import VERIFY_URL


async def test_stamping_an_uploaded_pdf_runs_under_the_shared_pdf_limits() -> None:
    import io

    from pypdf import PdfWriter
    from pypdf.generic import FloatObject, NameObject
    from signing.adapters.errors import PdfError
    from signing.service_layer.envelopes import stamp_qr

    writer = PdfWriter()
    page = writer.add_blank_page(14_400, 14_400)
    page[NameObject("/UserUnit")] = FloatObject(10)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(PdfError) as exc:
        await stamp_qr(out.getvalue(), url=VERIFY_URL)
    assert exc.value.code == "pdf_page_too_large"
    with pytest.raises(PdfError) as exc:
        await stamp_qr(b"%PDF-1.7\nnot really\n%%EOF\n", url=VERIFY_URL)
    assert exc.value.code == "not_a_pdf" and "Error" not in exc.value.message
