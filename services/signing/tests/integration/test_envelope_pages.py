"""The envelope API reports each page and its QR box, where placement agrees to the point."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from helpers import PERSON_ID, contract_pdf, started
from lexseal_events import SignerInfo
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject, RectangleObject
from servicekit.testing import TestIdentity
from signing.adapters.pdf import document_geometry
from signing.entrypoints.schemas import PagePublic

pytestmark = pytest.mark.integration

A4_W, A4_H = 595.2756, 841.8898
A4_QR = {"x": 515.2756, "y": 14.0, "width": 66.0, "height": 75.0}
PERSON = [SignerInfo(signer_id="p1", kind="individual", name="张三", id_number=PERSON_ID, order=1)]


def _turned_second_page() -> bytes:
    """Page 1 plain A4; page 2 turned 90°, its MediaBox off the origin and a CropBox inside."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(contract_pdf())))
    page = writer.pages[1]
    page[NameObject("/Rotate")] = NumberObject(90)
    page[NameObject("/MediaBox")] = RectangleObject((100, 200, 100 + A4_W, 200 + A4_H))
    page[NameObject("/CropBox")] = RectangleObject((150, 250, 600, 900))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _touching(qr: dict[str, float], *, page: int, into: float = 0) -> dict[str, Any]:
    """A 90-point seal whose right edge meets the QR box's left edge, pushed `into` it."""
    x = qr["x"] - 90 + into
    return {"page": page, "x": x, "y": qr["y"], "width": 90, "height": 90}


async def test_the_pages_tell_where_a_seal_may_go_and_the_server_agrees(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, signers=PERSON, pdf=_turned_second_page()
    ) as s:
        flat, turned = s.envelope["pages"]
        assert flat == {
            "number": 1,
            "width": pytest.approx(A4_W),
            "height": pytest.approx(A4_H),
            "rotate": 0,
            "box": {"x": 0, "y": 0, "width": pytest.approx(A4_W), "height": pytest.approx(A4_H)},
            "qr_box": pytest.approx(A4_QR),
        }
        # shown turned (landscape); placed, like the QR stamp, in the page's unturned frame
        assert turned["number"] == 2 and turned["rotate"] == 90
        assert (turned["width"], turned["height"]) == pytest.approx((A4_H, A4_W))
        assert turned["box"] == pytest.approx({"x": 100, "y": 200, "width": A4_W, "height": A4_H})
        assert turned["qr_box"] == pytest.approx({**A4_QR, "x": 615.2756, "y": 214.0})

        tp = await s.invite("p1")
        assert (await s.client.get(tp)).json()["pages"] == s.envelope["pages"]
        await s.verify_person(tp)
        for page in (flat, turned):  # one point into the QR box: refused, nothing signed
            r = await s.client.post(
                f"{tp}/sign", json=_touching(page["qr_box"], page=page["number"] - 1, into=1)
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == "box_covers_qr"
        r = await s.client.post(f"{tp}/sign", json=_touching(turned["qr_box"], page=1))
        assert r.status_code == 200, r.text

        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/firm-sign",
            json=_touching(flat["qr_box"], page=0),
            headers=s.risk,
        )
        assert r.status_code == 200 and r.json()["status"] == "completed"
        # signatures add annotations, never move pages: what was kept at stamping still holds
        signed = await s.client.get(
            f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer
        )
        now = [PagePublic.of(p).model_dump() for p in document_geometry(signed.content)]
        assert now == s.envelope["pages"]


async def test_an_envelope_prepared_before_pages_were_kept_reads_them_from_its_document(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    from signing.adapters.repository import SigningRepository

    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        async with s.app.state.kit.uow() as uow:
            envelope = await SigningRepository(uow.session).envelope(s.eid)
            assert envelope is not None and envelope.pages is not None
            envelope.pages = None
            await uow.commit()

        r = await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)
        assert r.json()["pages"] == s.envelope["pages"]
        assert [p["number"] for p in r.json()["pages"]] == [1, 2]


async def test_the_openapi_document_describes_pages_and_masked_signers(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        doc = (await s.client.get("/openapi.json")).json()

    schemas = doc["components"]["schemas"]
    assert {"number", "width", "height", "rotate", "box", "qr_box"} <= set(
        schemas["PagePublic"]["properties"]
    )
    assert "pages" in schemas["EnvelopeDetailPublic"]["properties"]
    assert "id_number" not in schemas["SignerPublic"]["properties"]
    assert "id_number_masked" in schemas["SignerPublic"]["properties"]
    detail = doc["paths"]["/api/signing/envelopes/{envelope_id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("EnvelopeDetailPublic")
    state = doc["paths"]["/api/signing/invite/{token}"]["get"]["responses"]["200"]
    assert state["content"]["application/json"]["schema"]["$ref"].endswith("InviteStatePublic")
