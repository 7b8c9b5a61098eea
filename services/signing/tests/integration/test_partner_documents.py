"""A partner key with `documents:read` fetches the signed PDF and evidence through the public
routes that `signing.completed` names; every download is audited; other keys are refused."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from helpers import ONE_SIGNER, counterparty_signs, firm_signs, started
from servicekit.tables import AuditEntry
from servicekit.testing import TestIdentity
from sqlmodel import col, select

pytestmark = pytest.mark.integration


async def test_a_partner_downloads_the_signed_pdf_and_evidence_named_in_the_event(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        reader = identity.headers(
            user_id="apikey:k1",
            username="partner:crm",
            roles=["partner"],
            scopes=["documents:read"],
        )
        hooks_only = identity.headers(
            user_id="apikey:k2", roles=["partner"], scopes=["webhooks:manage"]
        )
        early = await s.client.get(
            f"/api/signing/partner/envelopes/{s.eid}/signed.pdf", headers=reader
        )
        assert early.status_code == 409
        assert early.json()["error"]["code"] == "envelope_not_completed"

        await counterparty_signs(s)
        assert (await firm_signs(s)).status_code == 200
        done = await s.listener.wait_for("signing.completed")
        data = done["data"]
        internal, public = data["document"]["url"], data["document"]["public_url"]
        assert "/internal/" in internal  # services keep the claim-check
        assert "/internal/" not in public and "/internal/" not in data["evidence_url"]
        path = "/" + public.split("/", 3)[3]
        assert path == f"/api/signing/partner/envelopes/{s.eid}/signed.pdf"

        refused = await s.client.get(path, headers=hooks_only)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"
        assert (await s.client.get(path)).status_code == 401

        pdf = await s.client.get(path, headers=reader)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == data["document"]["sha256"]

        ev_path = "/" + data["evidence_url"].split("/", 3)[3]
        ev = await s.client.get(ev_path, headers=reader)
        assert ev.status_code == 200, ev.text
        with zipfile.ZipFile(io.BytesIO(ev.content)) as zf:
            assert zf.read("signed.pdf") == pdf.content

        # staff downloads are on the record too: the owner's signed PDF and evidence package
        staff_pdf = await s.client.get(
            f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer
        )
        assert staff_pdf.content == pdf.content
        staff_ev = await s.client.get(
            f"/api/signing/envelopes/{s.eid}/evidence.zip", headers=s.lawyer
        )
        assert staff_ev.status_code == 200

        async with s.app.state.kit.uow() as uow:
            stmt = select(AuditEntry).where(col(AuditEntry.action) == "document.downloaded")
            rows = (await uow.session.execute(stmt)).scalars().all()
            after = [(r.actor_id, json.loads(r.after or "{}")) for r in rows]
        seen = {(actor, a["file"], a["envelope_id"]) for actor, a in after}
        assert seen == {
            ("apikey:k1", "signed.pdf", s.eid),
            ("apikey:k1", "evidence.zip", s.eid),
            ("lawyer-1", "signed.pdf", s.eid),
            ("lawyer-1", "evidence.zip", s.eid),
        }
