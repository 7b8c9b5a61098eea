"""POST /api/verify on a signed contract and on every kind of tampering with it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import PERSON_ID, contract_pdf, started
from lexseal_events import SignerInfo
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration

ONE_PERSON = [SignerInfo(signer_id="p1", kind="individual", name="张三", id_number=PERSON_ID)]


def _append_update(pdf: bytes, mutate) -> bytes:  # type: ignore[no-untyped-def]
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    mutate(w)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _cover_qr(w: IncrementalPdfFileWriter) -> None:
    # paint a white box and a fake code over the verification QR at the bottom right
    stream = generic.StreamObject(
        stream_data=b"q 1 1 1 rg 510 10 80 90 re f 0 0 0 rg 520 20 20 20 re f Q"
    )
    w.add_stream_to_page(1, w.add_object(stream))


def _retitle(w: IncrementalPdfFileWriter) -> None:
    w.root["/Lang"] = generic.pdf_string("en")
    w.update_root()


def _unsign_last(w: IncrementalPdfFileWriter) -> None:
    for ref in w.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == "firm":
            del field["/V"]
            w.mark_update(ref)


async def _post(client, data: bytes) -> dict:  # type: ignore[no-untyped-def,type-arg]
    r = await client.post("/api/verify", files={"file": ("x.pdf", data, "application/pdf")})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_any_change_after_signing_is_reported_invalid_with_the_reason(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_PERSON) as s:
        tp = await s.invite("p1")
        await s.verify_person(tp)
        await s.confirm_intent(tp)
        assert (
            await s.client.post(
                f"{tp}/sign", json={"page": 1, "x": 72, "y": 100, "width": 90, "height": 90}
            )
        ).status_code == 200
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/firm-sign",
            json={"page": 1, "x": 300, "y": 100, "width": 90, "height": 90},
            headers=s.risk,
        )
        assert r.status_code == 200, r.text
        signed = (
            await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        ).content
        good = await _post(s.client, signed)
        assert good["valid"] is True and [x["signer"] for x in good["signatures"]] == [
            "张三",
            s.app.state.settings.firm_name,
        ]

        # one byte changed inside the signed content
        i = signed.index(b"Contract page 1") + 2
        flipped = signed[:i] + bytes([signed[i] ^ 0x01]) + signed[i + 1 :]
        bad = await _post(s.client, flipped)
        assert bad["valid"] is False and bad["reason"]["code"] == "digest_mismatch"
        assert any(not x["intact"] for x in bad["signatures"])

        # an appended incremental update
        appended = await _post(s.client, _append_update(signed, _retitle))
        assert appended["valid"] is False and appended["reason"]["code"] == "modified_after_signing"
        assert all(x["modified_after"] for x in appended["signatures"])

        # the QR code painted over after signing
        qr = await _post(s.client, _append_update(signed, _cover_qr))
        assert qr["valid"] is False and qr["signatures"][-1]["modified_after"] is True

        # the firm's signature stripped from its field
        stripped = await _post(s.client, _append_update(signed, _unsign_last))
        assert stripped["valid"] is False and stripped["reason"] is not None

        # a PDF nobody signed, and something that is not a PDF
        unsigned = await _post(s.client, contract_pdf())
        assert unsigned["valid"] is False and unsigned["reason"]["code"] == "no_signatures"
        junk = await _post(s.client, b"hello")
        assert junk["valid"] is False

        # the verification page of the stored document says intact
        page = await s.client.get(f"/verify/{s.envelope['verify_code']}")
        assert "文件完整" in page.text and "人脸识别" in page.text
        assert (await s.client.get("/verify/nope")).status_code == 404
