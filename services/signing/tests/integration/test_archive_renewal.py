"""The firm's last signature is followed by a document timestamp (B-LTA); the scheduled sweep
re-timestamps documents whose newest timestamp's TSA certificate is about to expire."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from helpers import ONE_SIGNER, counterparty_signs, firm_signs, settings_for, started
from pades.archive import newest_timestamp_expiry
from pades.tsa import LexsealTimeStamper
from pyhanko.pdf_utils.reader import PdfFileReader
from servicekit.db import create_engine
from servicekit.testing import TestIdentity
from signing.adapters.pki import Pki
from signing.service_layer import archive
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def test_a_completed_contract_is_archived_and_renewed_before_its_tsa_certificate_expires(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        kit = s.app.state.kit
        pki: Pki = kit.deps.pki
        lasting = pki.timestamper
        # a short-lived TSA certificate (10 days) makes the first document timestamp
        pki.timestamper = LexsealTimeStamper(
            pki.ca.issue_tsa(name="short-lived", validity=dt.timedelta(days=10))
        )
        await counterparty_signs(s)
        assert (await firm_signs(s)).status_code == 200
        pki.timestamper = lasting

        url = f"/api/signing/envelopes/{s.eid}/document.pdf"
        first = (await s.client.get(url, headers=s.lawyer)).content
        reader = PdfFileReader(io.BytesIO(first))
        assert [t.field_name for t in reader.embedded_timestamp_signatures] == ["archive_ts_1"]
        completed = await s.listener.wait_for("signing.completed")
        assert completed["data"]["document"]["sha256"] != ""
        expiry = newest_timestamp_expiry(first)
        assert expiry is not None and expiry < dt.datetime.now(dt.UTC) + dt.timedelta(days=11)
        verdict = (
            await s.client.post("/api/verify", files={"file": ("s.pdf", first, "application/pdf")})
        ).json()
        assert verdict["valid"], verdict

        # not yet within a 5-day margin; within a 30-day one
        assert await archive.renew_due(kit.uow, pki=pki, margin=dt.timedelta(days=5)) == 0
        margin = dt.timedelta(days=30)
        assert await archive.renew_due(kit.uow, pki=pki, margin=margin) == 1
        assert await archive.renew_due(kit.uow, pki=pki, margin=margin) == 0  # done

        renewed = (await s.client.get(url, headers=s.lawyer)).content
        assert renewed.startswith(first)  # appended, nothing rewritten
        stamps = PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures
        assert [t.field_name for t in stamps] == ["archive_ts_1", "archive_ts_2"]
        later = newest_timestamp_expiry(renewed)
        assert later is not None and later > expiry + dt.timedelta(days=300)
        verdict = (
            await s.client.post(
                "/api/verify", files={"file": ("s.pdf", renewed, "application/pdf")}
            )
        ).json()
        assert verdict["valid"], verdict

        engine = create_engine(settings_for(pg_url, amqp_url, bus, identity, tmp_path).database_url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT object_id FROM audit_log WHERE action = 'archive.timestamp_renewed'"
                    )
                )
            ).all()
        await engine.dispose()
        assert [r[0] for r in rows] == [s.eid]
