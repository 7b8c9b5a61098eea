"""The envelope list carries each envelope's signers (identifiers masked): one call, not N+1."""

from __future__ import annotations

from pathlib import Path

import pytest
from cnid import mask_credit_code, mask_resident_id
from helpers import ACCOUNT, COMPANY_CODE, PERSON_ID, started
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration


async def test_the_list_carries_each_envelope_s_signers_masked(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        r = await s.client.get("/api/signing/envelopes?contract_id=c-1", headers=s.lawyer)
        (envelope,) = r.json()["data"]

        assert "pages" not in envelope  # lists stay light: the geometry is the detail's
        signers = envelope["signers"]
        assert [(x["signer_id"], x["kind"], x["position"], x["status"]) for x in signers] == [
            ("p1", "individual", 0, "pending"),
            ("e1", "enterprise", 1, "pending"),
            ("firm", "firm", 2, "pending"),
        ]
        assert [x["name"] for x in signers][:2] == ["张三", "北京星河科技有限公司"]
        assert [x["id_number_masked"] for x in signers] == [
            mask_resident_id(PERSON_ID),
            mask_credit_code(COMPANY_CODE),
            None,
        ]
        for raw in (PERSON_ID, COMPANY_CODE, ACCOUNT, "李四"):
            assert raw not in r.text
        assert signers == s.envelope["signers"]  # what the detail shows, one call fewer

        risk = await s.client.get("/api/signing/envelopes", headers=s.risk)
        assert risk.json()["data"][0]["signers"] == signers
        other = identity.headers(user_id="lawyer-2", roles=["lawyer"])
        assert (await s.client.get("/api/signing/envelopes", headers=other)).json() == {
            "data": [],
            "count": 0,
        }
