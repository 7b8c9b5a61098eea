"""HTTP identity providers against a fake server, and sealing approved firm letters."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import MOBILE, PERSON_ID, Listener, contract_pdf, serve, settings_for, started
from lexseal_events import DocumentRef, LetterApproved, LetterApprovedData
from pades.letter import SEAL_BOX as LETTER_SEAL_BOX
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity
from signing.adapters.providers import SIGNATURE_HEADER
from signing.adapters.providers.face_h5 import sign_body
from signing.bootstrap import create_app

pytestmark = pytest.mark.integration


async def test_http_face_and_bank_providers_are_called_and_not_labelled_sandbox(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    routes = {
        "/face": (
            200,
            json.dumps(
                {"session_id": "f-1", "redirect_url": "https://face.example/h5/f-1"}
            ).encode(),
        ),
        "/bank": (200, json.dumps({"reference": "tx-1"}).encode()),
    }
    posts: list[tuple[str, Any]] = []
    secret = b"shared-callback-secret"
    with serve(routes, posts) as base:
        async with started(
            pg_url,
            amqp_url,
            bus,
            identity,
            tmp_path,
            face_provider="http",
            face_provider_url=f"{base}/face",
            face_callback_secret=secret.decode(),
            bank_provider="http",
            bank_provider_url=f"{base}/bank",
        ) as s:
            tp = await s.invite("p1")
            assert (await s.client.get(tp)).json()["sandbox"] is False
            r = await s.client.post(
                f"{tp}/verify/individual",
                json={"name": "张三", "id_number": PERSON_ID, "mobile": MOBILE},
            )
            assert r.status_code == 200, r.text
            r = await s.client.post(f"{tp}/face/session", json={})
            assert r.json() == {"redirect_url": "https://face.example/h5/f-1"}
            assert next(body for path, body in posts if path == "/face") == {
                "name": "张三",
                "id_number": PERSON_ID,
                "return_url": "https://sign.example/sign/" + tp.rsplit("/", 1)[1],
                "callback_url": "https://sign.example/sign/face/callback",
            }
            # the sandbox's page and result do not exist beside a real provider
            assert (await s.client.get("/sign/face-sandbox/f-1")).status_code == 404
            body = json.dumps({"session_id": "f-1", "passed": True}).encode()
            wrong = sign_body(b"another secret", body)
            r = await s.client.post(
                "/sign/face/callback", content=body, headers={SIGNATURE_HEADER: wrong}
            )
            assert r.status_code == 403
            assert (await s.client.get(tp)).json()["signer"]["status"] == "id_checked"
            r = await s.client.post(
                "/sign/face/callback",
                content=body,
                headers={SIGNATURE_HEADER: sign_body(secret, body)},
            )
            assert r.json() == {"received": True, "status": "passed"}
            state = (await s.client.get(tp)).json()
            assert state["signer"]["status"] == "verified" and state["face_status"] == "passed"
            verified = await s.listener.wait_for("signing.signer_verified")
            assert verified["data"]["sandbox"] is False
            te = await s.invite("e1")
            await s.enterprise_details(te)
            r = await s.client.post(f"{te}/deposit/request")
            assert r.json()["sandbox"] is False
            # a real bank: the page gets no amount
            assert (await s.client.get(te)).json()["deposit"]["sandbox_amount"] is None
            bank = next(body for path, body in posts if path == "/bank")
            assert 1 <= bank["amount_fen"] <= 99 and bank["account_number"]
            assert (
                await s.client.get("/api/signing/sandbox/transfers", headers=s.risk)
            ).status_code == 404
            routes["/bank"] = (503, b"{}")
            r = await s.client.post(f"{te}/deposit/request")
            assert r.status_code == 503 and r.json()["error"]["code"] == "bank_transfer_unavailable"
            r = await s.client.post(
                f"{te}/deposit/confirm", json={"amount": f"{bank['amount_fen'] / 100:.2f}"}
            )
            assert r.json()["status"] == "verified"


def _letter(url: str, pdf: bytes, letter_id: str = "L-1") -> LetterApproved:
    return LetterApproved(
        source="lexseal/letters",
        subject=letter_id,
        data=LetterApprovedData(
            letter_id=letter_id,
            owner_id="lawyer-1",
            kind="electronic",
            number="（2026）明诚函字第 1 号",
            approver_id="admin-1",
            letter_type="investigation",
            document=DocumentRef(sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), url=url),
        ),
    )


async def test_an_approved_letter_is_sealed_by_the_firm_and_a_broken_one_fails_clearly(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    letter = contract_pdf(pages=2)
    with serve({"/letter": (200, letter), "/broken": (200, b"not a pdf at all")}) as base:
        settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
        app = create_app(settings)
        async with running(app) as client:
            listener = Listener(amqp_url, bus["exchange"], bus)
            await listener.start()
            ev = _letter(f"{base}/letter", letter)
            await publish_raw(amqp_url, bus["exchange"], ev.to_json(), ev.type)
            sealed = await listener.wait_for("signing.document_sealed", timeout=20)
            assert sealed["data"]["kind"] == "letter" and sealed["data"]["ref_id"] == "L-1"
            assert sealed["data"]["verify_url"].endswith("/verify/" + sealed["data"]["verify_code"])
            ref = DocumentRef.model_validate(sealed["data"]["document"])
            # a sibling service fetches it by claim-check through the internal route
            transport_client = client

            async def fetch() -> bytes:
                from servicekit.internal import INTERNAL_HEADER, internal_token

                path = "/internal/signing/documents/" + ref.sha256
                token = internal_token(secret=settings.internal_secret, path=path)
                return (await transport_client.get(path, headers={INTERNAL_HEADER: token})).content

            data = await fetch()
            assert hashlib.sha256(data).hexdigest() == ref.sha256
            result = (await client.post("/api/verify", files={"file": ("l.pdf", data)})).json()
            assert (
                result["valid"] is True and result["signatures"][0]["signer"] == settings.firm_name
            )
            reader = PdfReader(io.BytesIO(data))
            field = next(f for f in reader.get_fields().values() if f.get("/FT") == "/Sig")  # type: ignore[union-attr]
            assert field is not None and len(reader.pages) == 2
            widget = reader.pages[1]["/Annots"][0].get_object()
            # where the letters service laid the letter out around its seal (pades.letter)
            rect = [float(v) for v in widget["/Rect"]]
            assert rect == pytest.approx(list(LETTER_SEAL_BOX), abs=1e-3)
            # B-LTA: a document timestamp over the sealed revision, then the TSA's data
            hanko = PdfFileReader(io.BytesIO(data))
            (seal,) = hanko.embedded_regular_signatures
            (stamp,) = hanko.embedded_timestamp_signatures
            assert stamp.signed_revision > seal.signed_revision
            assert hanko.xrefs.total_revisions == stamp.signed_revision + 2

            bad = _letter(f"{base}/broken", b"not a pdf at all", letter_id="L-2")
            await publish_raw(amqp_url, bus["exchange"], bad.to_json(), bad.type)
            failed = await listener.wait_for("signing.seal_failed", timeout=20)
            assert failed["data"]["ref_id"] == "L-2" and failed["data"]["code"] == "not_a_pdf"
            await listener.stop()
