"""Micro-deposit rules: 5 a day, a new amount voids the old, 3 wrong entries, 7-day expiry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from helpers import ACCOUNT, COMPANY_CODE, counterparty_signs, firm_signs, started
from servicekit.db import utcnow
from servicekit.testing import TestIdentity
from signing.adapters.tables import DepositChallenge
from sqlalchemy import select, update

pytestmark = pytest.mark.integration


async def _deposit_statuses(app: object) -> list[str]:
    async with app.state.kit.uow() as uow:  # type: ignore[attr-defined]
        stmt = select(DepositChallenge).order_by(DepositChallenge.created_at)  # type: ignore[arg-type]
        return [d.status for d in (await uow.session.execute(stmt)).scalars()]


async def test_five_amounts_a_day_and_each_new_amount_voids_the_previous(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        te = await s.invite("e1")
        r = await s.client.post(f"{te}/deposit/request")
        assert r.status_code == 409 and r.json()["error"]["code"] == "enterprise_details_first"
        await s.enterprise_details(te)
        for _ in range(5):
            assert (await s.client.post(f"{te}/deposit/request")).status_code == 200
        r = await s.client.post(f"{te}/deposit/request")
        assert r.status_code == 429 and r.json()["error"]["code"] == "deposit_daily_limit"
        assert "明天" in r.json()["error"]["message"]
        assert 0 < int(r.headers["retry-after"]) <= 86_400  # until the next Shanghai day
        assert await _deposit_statuses(s.app) == ["voided"] * 4 + ["open"]
        # the limit is per enterprise, whichever envelope or link asks: a new link does not reset it
        te2 = await s.invite("e1")
        r = await s.client.post(f"{te2}/deposit/request")
        assert r.json()["error"]["code"] == "deposit_daily_limit"
        # the last amount still works
        r = await s.client.post(f"{te2}/deposit/confirm", json={"amount": await s.last_amount()})
        assert r.status_code == 200 and r.json()["status"] == "verified"


async def test_three_wrong_entries_void_the_amount_and_an_old_amount_expires(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        te = await s.invite("e1")
        await s.enterprise_details(te)
        await s.client.post(f"{te}/deposit/request")
        right = await s.last_amount()
        wrong = "0.01" if right != "0.01" else "0.02"
        lefts = []
        for _ in range(2):
            r = await s.client.post(f"{te}/deposit/confirm", json={"amount": wrong})
            lefts.append(r.json()["error"]["details"]["attempts_left"])
        assert lefts == [2, 1]
        r = await s.client.post(f"{te}/deposit/confirm", json={"amount": wrong})
        assert r.json()["error"]["code"] == "deposit_voided"
        r = await s.client.post(f"{te}/deposit/confirm", json={"amount": right})
        assert r.status_code == 409 and r.json()["error"]["code"] == "deposit_voided"
        r = await s.client.post(f"{te}/deposit/confirm", json={"amount": "abc"})
        assert r.json()["error"]["code"] == "deposit_amount_format"

        # a fresh amount, then eight days pass
        await s.client.post(f"{te}/deposit/request")
        right = await s.last_amount()
        async with s.app.state.kit.uow() as uow:
            await uow.session.execute(
                update(DepositChallenge)
                .where(DepositChallenge.status == "open")  # type: ignore[arg-type]
                .values(expires_at=utcnow() - timedelta(days=1))
            )
            await uow.commit()
        r = await s.client.post(f"{te}/deposit/confirm", json={"amount": right})
        assert r.status_code == 409 and r.json()["error"]["code"] == "deposit_expired"
        # and the signer still cannot sign
        r = await s.client.post(
            f"{te}/sign", json={"page": 0, "x": 72, "y": 100, "width": 90, "height": 90}
        )
        assert r.json()["error"]["code"] == "identity_not_verified"


@pytest.mark.parametrize("amount", ["inf", "-inf", "Infinity", "NaN", "1e9"])
async def test_an_infinite_or_odd_amount_is_a_format_error_even_with_an_unknown_token(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    amount: str,
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        r = await s.client.post(
            "/api/signing/invite/" + "x" * 43 + "/deposit/confirm", json={"amount": amount}
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "deposit_amount_format"


async def test_identity_checks_lock_per_signer_after_five_wrong_entries(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        te = await s.invite("e1")
        right = {
            "company_name": "北京星河科技有限公司",
            "credit_code": COMPANY_CODE,
            "legal_representative": "李四",
            "bank_account_number": ACCOUNT,
        }
        wrong = {**right, "company_name": "别的公司"}
        codes = []
        for i in range(6):
            r = await s.client.post(
                f"{te}/verify/enterprise", json=wrong, headers={"X-Forwarded-For": f"10.0.0.{i}"}
            )
            codes.append(r.json()["error"]["code"])
        assert codes == ["identity_mismatch"] * 5 + ["identity_attempts_exceeded"]
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # even the right details wait now: the lock is on the signer, whatever the address
        r = await s.client.post(f"{te}/verify/enterprise", json=right)
        assert r.status_code == 429 and r.json()["error"]["code"] == "identity_attempts_exceeded"


async def test_the_firm_waits_for_a_single_pending_enterprise_after_the_person_signed(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    """One counterparty still pending, and an enterprise at that, keeps the firm waiting."""
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        await counterparty_signs(s)  # the individual p1; the enterprise e1 has not signed
        r = await firm_signs(s)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "counterparties_pending"
        assert r.json()["error"]["details"] == {"remaining_counterparties": 1}
