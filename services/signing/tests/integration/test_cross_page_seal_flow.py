"""The cross-page seal option as it arrives by event: from review (contracts), from letters."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    ONE_SIGNER,
    Listener,
    contract_pdf,
    counterparty_signs,
    firm_signs,
    serve,
    settings_for,
    started,
)
from lexseal_events import DocumentRef, LetterApproved, LetterApprovedData
from pypdf import PdfReader
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity
from signing.bootstrap import create_app

pytestmark = pytest.mark.integration


def _firm_widgets(pdf: bytes) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    fields = [f.get_object() for f in reader.root_object["/AcroForm"]["/Fields"]]
    (firm,) = [f for f in fields if f.get("/T") == "firm"]
    kids: Any = firm.get("/Kids")
    return len(kids) if kids is not None else 1


@pytest.mark.parametrize("cross_page_seal", [True, False])
async def test_contract_option_travels_from_review_to_the_firm_signature(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    cross_page_seal: bool,
) -> None:
    async with started(
        pg_url,
        amqp_url,
        bus,
        identity,
        tmp_path,
        signers=ONE_SIGNER,
        pdf=contract_pdf(pages=3),
        cross_page_seal=cross_page_seal,
    ) as s:
        detail = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.risk)).json()
        assert detail["cross_page_seal"] is cross_page_seal
        await counterparty_signs(s)
        r = await firm_signs(s)
        assert r.status_code == 200, r.text
        signed = (
            await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        ).content
        # the firm's seal where risk control put it, plus one slice per page when asked
        assert _firm_widgets(signed) == (1 + 3 if cross_page_seal else 1)
        verdict = (await s.client.post("/api/verify", files={"file": ("s.pdf", signed)})).json()
        assert verdict["valid"] is True and len(verdict["signatures"]) == 2


def _letter(url: str, pdf: bytes, *, letter_id: str, cross_page_seal: bool) -> LetterApproved:
    return LetterApproved(
        source="lexseal/letters",
        subject=letter_id,
        data=LetterApprovedData(
            letter_id=letter_id,
            owner_id="lawyer-1",
            kind="electronic",
            number="（2026）明诚函字第 7 号",
            approver_id="admin-1",
            letter_type="函",
            document=DocumentRef(sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), url=url),
            cross_page_seal=cross_page_seal,
        ),
    )


async def test_a_letter_type_with_the_option_is_sealed_across_its_pages(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    letter = contract_pdf(pages=2)
    with serve({"/letter": (200, letter)}) as base:
        settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
        async with running(create_app(settings)) as client:
            listener = Listener(amqp_url, bus["exchange"], bus)
            await listener.start()
            try:
                ev = _letter(f"{base}/letter", letter, letter_id="L-9", cross_page_seal=True)
                await publish_raw(amqp_url, bus["exchange"], ev.to_json(), ev.type)
                sealed = await listener.wait_for("signing.document_sealed", timeout=20)
            finally:
                await listener.stop()
            ref = DocumentRef.model_validate(sealed["data"]["document"])
            path = "/internal/signing/documents/" + ref.sha256
            from servicekit.internal import INTERNAL_HEADER, internal_token

            token = internal_token(secret=settings.internal_secret, path=path)
            data = (await client.get(path, headers={INTERNAL_HEADER: token})).content
            assert _firm_widgets(data) == 1 + 2
            verdict = (await client.post("/api/verify", files={"file": ("l.pdf", data)})).json()
            assert verdict["valid"] is True
