"""The envelope API reports each page and its QR box, where placement agrees to the point."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from helpers import PERSON_ID, contract_pdf, started
from lexseal_events import SignerInfo
from pades.pdf import document_geometry
from pades.testing import colour_box, make_marker_png, nss_db_trusting, reshape, run
from PIL import Image
from prometheus_client import REGISTRY
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject, RectangleObject
from servicekit.testing import TestIdentity, need_tools
from signing.entrypoints.schemas import PagePublic

from tools import RevocationServer

pytestmark = pytest.mark.integration

A4_W, A4_H = 595.2756, 841.8898
A4_QR = {"x": 515.2756, "y": 14.0, "width": 66.0, "height": 75.0}
CROP = (150, 250, 600, 900)  # inside page 2's MediaBox, off every edge: 450 x 650 pt
PERSON = [SignerInfo(signer_id="p1", kind="individual", name="张三", id_number=PERSON_ID, order=1)]


def _turned_second_page() -> bytes:
    """Page 1 plain A4; page 2 turned 90°, its MediaBox off the origin and a CropBox inside."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(contract_pdf())))
    page = writer.pages[1]
    page[NameObject("/Rotate")] = NumberObject(90)
    page[NameObject("/MediaBox")] = RectangleObject((100, 200, 100 + A4_W, 200 + A4_H))
    page[NameObject("/CropBox")] = RectangleObject(CROP)
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
        # placed as shown: the CropBox (450 x 650) turned to landscape, QR at its bottom right
        assert turned["number"] == 2 and turned["rotate"] == 90
        assert (turned["width"], turned["height"]) == pytest.approx((650, 450))
        assert turned["box"] == pytest.approx({"x": 0, "y": 0, "width": 650, "height": 450})
        assert turned["qr_box"] == pytest.approx({**A4_QR, "x": 570})
        # and the page images are that page
        image = await s.client.get(f"/api/signing/envelopes/{s.eid}/pages/2.png", headers=s.lawyer)
        assert Image.open(io.BytesIO(image.content)).size == pytest.approx(
            (650 * 96 / 72, 450 * 96 / 72), abs=1.5
        )

        tp = await s.invite("p1")
        assert (await s.client.get(tp)).json()["pages"] == s.envelope["pages"]
        # past either end is "no such page", for the lawyer and the public invitation alike
        for base, headers in ((f"/api/signing/envelopes/{s.eid}", s.lawyer), (tp, {})):
            for n in (0, -1, 3, 999999, 10**30):
                r = await s.client.get(f"{base}/pages/{n}.png", headers=headers)
                assert r.status_code == 404, (base, n, r.text)
                assert r.json()["error"]["code"] == "page_not_found"
        await s.verify_person(tp)
        await s.confirm_intent(tp)
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


async def test_a_seal_placed_at_the_visible_bottom_left_shows_there_upright_and_validates(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    responder: RevocationServer,
) -> None:
    need_tools("pdftoppm", "pdfsig", "certutil")

    def made(signer: str) -> float:
        labels = {"document": "contract", "signer": signer}
        return REGISTRY.get_sample_value("lexseal_signatures_total", labels) or 0.0

    person_before, firm_before = made("individual"), made("firm")
    async with started(
        pg_url,
        amqp_url,
        bus,
        identity,
        tmp_path,
        signers=PERSON,
        pdf=_turned_second_page(),
        public_base_url=responder.base_url,
    ) as s:
        responder.ca = s.app.state.kit.deps.pki.ca
        tp = await s.invite("p1")
        await s.verify_person(tp)
        await s.confirm_intent(tp)
        # a drawn signature whose orientation shows: red, its top-left quarter blue
        r = await s.client.post(f"{tp}/signature.png", content=make_marker_png())
        assert r.status_code == 200, r.text
        seal = {"page": 1, "x": 0, "y": 0, "width": 120, "height": 60}
        assert (await s.client.post(f"{tp}/sign", json=seal)).status_code == 200
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/firm-sign",
            json={"page": 0, "x": 72, "y": 72, "width": 120, "height": 120},
            headers=s.risk,
        )
        assert r.status_code == 200, r.text

        png = await s.client.get(f"/api/signing/envelopes/{s.eid}/pages/2.png", headers=s.lawyer)
        pdf = await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        root = (await s.client.get("/api/verify/ca.pem")).content
    # the person's signature and the firm's seal (the QR stamp is no signature)
    assert made("individual") == person_before + 1
    assert made("firm") == firm_before + 1

    image = Image.open(io.BytesIO(png.content)).convert("RGB")
    scale = 96 / 72  # the page images' dpi
    red, blue = colour_box(image, "red"), colour_box(image, "blue")
    assert red is not None and blue is not None
    left, top, right, bottom = red[0], min(red[1], blue[1]), red[2], red[3]
    # at the bottom-left corner of the page as shown, as wide and high as placed: upright
    assert left <= 2 and bottom >= image.height - 2
    assert (right - left, bottom - top) == pytest.approx((120 * scale, 60 * scale), abs=3)
    assert blue[0] <= left + 1 and blue[1] <= top + 1
    assert (blue[2] - left, blue[3] - top) == pytest.approx((60 * scale, 30 * scale), abs=3)

    (tmp_path / "signed.pdf").write_bytes(pdf.content)
    (tmp_path / "root.pem").write_bytes(root)
    nss = nss_db_trusting(tmp_path / "root.pem", tmp_path / "nss")
    out = run("pdfsig", "-nssdir", nss, tmp_path / "signed.pdf").stdout
    assert out.count("Signature is Valid.") == 2, out
    assert out.count("Certificate is Trusted.") == 2, out


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


async def test_an_envelope_stamped_before_the_qr_followed_rotate_keeps_its_qr_clear(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    from signing.adapters.repository import SigningRepository

    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=PERSON) as s:
        # What the earlier rule made of a page turned 90°: the QR at the unturned MediaBox's
        # bottom right, and stored rows without "crop" or "qr".
        async with s.app.state.kit.uow() as uow:
            repo = SigningRepository(uow.session)
            envelope = await repo.envelope(s.eid)
            assert envelope is not None
            doc = await repo.document(envelope.current_sha256)
            assert doc is not None
            envelope.current_sha256 = await repo.store_document(reshape(doc.data, rotate=90))
            envelope.pages = [
                {"number": n, "box": [0, 0, A4_W, A4_H], "rotate": 90} for n in (1, 2)
            ]
            await uow.commit()

        r = await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)
        page = r.json()["pages"][1]
        assert (page["width"], page["height"]) == pytest.approx((A4_H, A4_W))
        # the QR is where it was stamped: the shown bottom left, on its side
        assert page["qr_box"] == pytest.approx({"x": 14, "y": 14, "width": 75, "height": 66})

        tp = await s.invite("p1")
        assert (await s.client.get(tp)).json()["pages"] == r.json()["pages"]
        await s.verify_person(tp)
        await s.confirm_intent(tp)
        over = {"page": 1, "x": 20, "y": 20, "width": 90, "height": 90}
        r = await s.client.post(f"{tp}/sign", json=over)
        assert r.status_code == 422 and r.json()["error"]["code"] == "box_covers_qr"
        # the shown bottom right is free on such a page
        free = {"page": 1, "x": A4_H - 104, "y": 14, "width": 90, "height": 90}
        assert (await s.client.post(f"{tp}/sign", json=free)).status_code == 200


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
