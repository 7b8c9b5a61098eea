"""The signer's POST routes accept an Idempotency-Key: a retry is answered with the first answer
and takes no second effect, scoped to the invitation; a failed try still counts its attempt.
The face provider's callback is idempotent by its content: a retry is acknowledged once more."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from helpers import COUNTERPARTY_SPOT, MOBILE, ONE_SIGNER, PERSON_ID, started
from servicekit.testing import TestIdentity
from signing.adapters.repository import SigningRepository

pytestmark = pytest.mark.integration


async def test_a_retried_signature_is_answered_once_and_signs_once(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        tp = await s.invite("p1")
        await s.verify_person(tp)
        await s.confirm_intent(tp)
        key = {"Idempotency-Key": "sign-once-1"}
        first = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT, headers=key)
        assert first.status_code == 200, first.text
        again = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT, headers=key)
        assert again.status_code == 200 and again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        # without the key the same request is refused: the signature was made once
        plain = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT)
        assert plain.status_code == 409, plain.text
        moved = COUNTERPARTY_SPOT | {"x": 200}
        other = await s.client.post(f"{tp}/sign", json=moved, headers=key)
        assert other.status_code == 422
        assert other.json()["error"]["code"] == "idempotency_key_reused"
        state = (await s.client.get(tp)).json()
        assert state["signer"]["status"] == "signed"
        spec = s.app.openapi()
        for route in ("sign", "decline", "deposit/confirm", "intent/confirm", "verify/individual"):
            op = spec["paths"][f"/api/signing/invite/{{token}}/{route}"]["post"]
            assert "Idempotency-Key" in [p["name"] for p in op["parameters"]], route


async def test_keys_are_per_invitation_and_a_failed_try_still_counts(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path) as s:
        te = await s.invite("e1")
        await s.enterprise_details(te)
        key = {"Idempotency-Key": "deposit-1"}
        sent = await s.client.post(f"{te}/deposit/request", headers=key)
        assert sent.status_code == 200, sent.text
        again = await s.client.post(f"{te}/deposit/request", headers=key)
        assert again.json() == sent.json() and again.headers["idempotent-replayed"] == "true"
        right = await s.last_amount()
        transfers = (await s.client.get("/api/signing/sandbox/transfers", headers=s.risk)).json()
        assert len(transfers["data"]) == 1  # one amount sent, not two
        # wrong amounts with keys: each refusal still counts (what the use case committed
        # before refusing stays committed), and the key stays unused
        wrong = "0.01" if right != "0.01" else "0.02"
        lefts = []
        for n in (1, 2):
            r = await s.client.post(
                f"{te}/deposit/confirm",
                json={"amount": wrong},
                headers={"Idempotency-Key": f"wrong-{n}"},
            )
            assert r.status_code == 422, r.text
            lefts.append(r.json()["error"]["details"]["attempts_left"])
        assert lefts == [2, 1]
        ok = await s.client.post(
            f"{te}/deposit/confirm", json={"amount": right}, headers={"Idempotency-Key": "wrong-2"}
        )
        assert ok.status_code == 200 and ok.json()["status"] == "verified"
        # another signer's invitation with the same key is not a replay of this one's answer
        tp = await s.invite("p1")
        declined = await s.client.post(f"{tp}/decline", json={"reason": "不同意"}, headers=key)
        assert declined.status_code == 200, declined.text
        assert declined.json() == {"status": "declined"}


async def test_a_retried_face_callback_is_acknowledged_and_applied_once(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        tp = await s.invite("p1")
        r = await s.client.post(
            f"{tp}/verify/individual",
            json={"name": "张三", "id_number": PERSON_ID, "mobile": MOBILE},
        )
        assert r.status_code == 200, r.text
        r = await s.client.post(f"{tp}/face/session", json={})
        reference = r.json()["redirect_url"].split("?", 1)[0].rsplit("/", 1)[1]
        signed = await s.client.post(
            f"/sign/face-sandbox/{reference}/result", json={"passed": True}
        )
        callback = signed.json()

        async def deliver(body: bytes, signature: str) -> httpx.Response:
            headers = {"x-lexseal-signature": signature, "content-type": "application/json"}
            return await s.client.post(callback["callback_path"], content=body, headers=headers)

        body = callback["callback"].encode()
        first = await deliver(body, callback["signature"])
        assert first.status_code == 200 and first.json() == {"received": True, "status": "passed"}
        # the provider lost our answer and sends the very same callback again: the same answer
        again = await deliver(body, callback["signature"])
        assert again.status_code == 200 and again.json() == first.json(), again.text
        # a different result for the answered session is refused and changes nothing
        flip = await s.client.post(f"/sign/face-sandbox/{reference}/result", json={"passed": False})
        other = await deliver(flip.json()["callback"].encode(), flip.json()["signature"])
        assert other.status_code == 409, other.text
        assert other.json()["error"]["code"] == "face_callback_replayed"
        assert other.json()["error"]["details"] == {"status": "passed"}
        state = (await s.client.get(tp)).json()
        assert state["face_status"] == "passed" and state["signer"]["status"] == "verified"
        # applied once: one face result and one verification in the audit trail
        async with s.app.state.kit.uow() as uow:
            actions = [a.action for a in await SigningRepository(uow.session).audit_trail([s.eid])]
        assert actions.count("verify.face") == 1 and actions.count("signer.verified") == 1
        # and the signer goes on to sign as usual
        await s.confirm_intent(tp)
        r = await s.client.post(f"{tp}/sign", json=COUNTERPARTY_SPOT)
        assert r.status_code == 200, r.text
