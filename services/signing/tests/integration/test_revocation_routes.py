"""Revoking through the admin route and the CLI: audit, event, CRL and OCSP at once, verdicts."""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from helpers import ONE_SIGNER, counterparty_signs, firm_signs, settings_for, started
from servicekit.db import create_engine
from servicekit.testing import TestIdentity
from signing.entrypoints.ca_cli import REVOKE, run_ca_command
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def _verify(s: object, pdf: bytes) -> dict:  # type: ignore[type-arg]
    r = await s.client.post("/api/verify", files={"file": ("d.pdf", pdf, "application/pdf")})  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_an_admin_revokes_a_signer_certificate_and_every_answer_says_so_at_once(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        await counterparty_signs(s)
        doc = await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        before = await _verify(s, doc.content)
        assert before["valid"] and before["signatures"][0]["revocation"] is None
        serial = before["signatures"][0]["certificate_serial"]
        admin = identity.headers(user_id="admin-1", roles=["admin"])
        route = f"/api/signing/ca/certificates/{serial}/revoke"

        assert (
            await s.client.post(route, json={"reason": "superseded"}, headers=s.lawyer)
        ).status_code == 403
        bad = await s.client.post(route, json={"reason": "bored"}, headers=admin)
        assert bad.status_code == 422
        missing = await s.client.post(
            "/api/signing/ca/certificates/abc123/revoke",
            json={"reason": "superseded"},
            headers=admin,
        )
        assert (
            missing.status_code == 404
            and missing.json()["error"]["code"] == "certificate_not_found"
        )
        r = await s.client.post(
            route, json={"reason": "identity_false", "comment": "ID card was forged"}, headers=admin
        )
        assert r.status_code == 200, r.text
        assert r.json()["revoked"] and r.json()["revocation_reason"] == "identity_false"
        again = await s.client.post(route, json={"reason": "superseded"}, headers=admin)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "certificate_already_revoked"

        # the CRL lists it, OCSP (POST and GET) says revoked, partners hear of it
        crl = x509.load_der_x509_crl((await s.client.get("/api/verify/crl/issuing.crl")).content)
        assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
        event = await s.listener.wait_for("signing.certificate_revoked")
        assert event["data"]["serial"] == serial and event["data"]["reason"] == "identity_false"
        assert event["data"]["kind"] == "individual" and event["data"]["subject_name"] == "张三"
        cert = _signer_cert(doc.content)
        issuer = x509.load_pem_x509_certificate(
            (tmp_path / "pki" / "ca" / "issuing.pem").read_bytes()
        )
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        posted = await s.client.post(
            "/api/verify/ocsp",
            content=request,
            headers={"content-type": "application/ocsp-request"},
        )
        assert posted.headers["content-type"] == "application/ocsp-response"
        answer = ocsp.load_der_ocsp_response(posted.content)
        assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
        got = await s.client.get("/api/verify/ocsp/" + base64.b64encode(request).decode())
        assert ocsp.load_der_ocsp_response(got.content).certificate_status == (
            ocsp.OCSPCertStatus.REVOKED
        )

        # the signature was timestamped before the revocation: it stands, and says so
        after = await _verify(s, doc.content)
        assert after["valid"], after
        assert after["signatures"][0]["revocation"]["before_signing"] is False

        # recorded in the audit trail
        engine = create_engine(settings_for(pg_url, amqp_url, bus, identity, tmp_path).database_url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT actor_id, after FROM audit_log WHERE action = 'certificate.revoked'"
                    )
                )
            ).all()
        await engine.dispose()
        assert [r[0] for r in rows] == ["admin-1"] and "ID card was forged" in rows[0][1]

        # the firm still signs last: its own certificate is untouched
        assert (await firm_signs(s)).status_code == 200


async def test_the_cli_revokes_the_firm_certificate_and_the_firm_gets_a_new_one(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        await counterparty_signs(s)
        firm_cert = x509.load_pem_x509_certificate(
            (tmp_path / "pki" / "firm" / "firm.pem").read_bytes()
        )
        serial = format(firm_cert.serial_number, "x")
        settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
        out, err = io.StringIO(), io.StringIO()
        args = argparse.Namespace(
            command=REVOKE,
            serial=serial,
            reason="key_compromise",
            invalidity_date=None,
            comment="token lost",
            operator="ops-1",
        )

        code = await asyncio.to_thread(run_ca_command, args, lambda: settings, out=out, err=err)

        assert code == 0, err.getvalue()
        assert f"revoked   {serial} (firm)" in out.getvalue()
        assert (
            await asyncio.to_thread(run_ca_command, args, lambda: settings, out=out, err=err) == 1
        )
        assert "certificate_already_revoked" in err.getvalue()
        # the running service sees it at its next signature and renews the firm's key
        assert (await firm_signs(s)).status_code == 200
        signed = await s.client.get(
            f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer
        )
        verdict = await _verify(s, signed.content)
        assert verdict["valid"], verdict
        assert verdict["signatures"][-1]["certificate_serial"] != serial


def _signer_cert(pdf: bytes) -> x509.Certificate:
    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[0]
    return x509.load_der_x509_certificate(sig.signer_cert.dump())


async def test_a_signature_made_after_its_certificate_was_revoked_is_reported_invalid(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    from helpers import contract_pdf
    from pades.pdf import prepare
    from signing.service_layer import certificates

    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        kit = s.app.state.kit
        deps = kit.deps
        stolen = deps.pki.ca.issue_individual(name="王五", id_number="11010519491231002X")
        async with kit.uow() as uow:
            await certificates.register(
                uow, ca=deps.pki.ca, cert=stolen.certificate, kind="individual"
            )
            await uow.commit()
        admin = identity.headers(user_id="admin-1", roles=["admin"])
        serial = format(stolen.certificate.serial_number, "x")
        revoked = await s.client.post(
            f"/api/signing/ca/certificates/{serial}/revoke",
            json={"reason": "key_compromise"},
            headers=admin,
        )
        assert revoked.status_code == 200, revoked.text

        # whoever holds the key signs outside the platform, with a genuine timestamp
        forged = await asyncio.to_thread(
            deps.engine.sign,
            prepare(contract_pdf(), "https://sign.example/verify/x"),
            signer=deps.engine.signer_for(stolen),
            field_name="forged",
            page=0,
            box=(72, 100, 172, 200),
            seal_png=deps.firm.seal_png,
            timestamper=deps.pki.timestamper,
        )
        verdict = await _verify(s, forged)

        assert verdict["valid"] is False
        problem = verdict["signatures"][0]["problem"]
        assert problem["code"] == "certificate_revoked", verdict
        assert verdict["signatures"][0]["revocation"]["before_signing"] is True


async def test_ca_rollover_brings_in_a_new_issuing_ca_the_service_uses_after_a_restart(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    from signing.entrypoints.ca_cli import ROLLOVER

    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as s:
        await counterparty_signs(s)
        doc = await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        first_issuer = (await _verify(s, doc.content))["signatures"][0]["chain"][1]
    settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(command=ROLLOVER)

    code = await asyncio.to_thread(run_ca_command, args, lambda: settings, out=out, err=err)

    assert code == 0, err.getvalue()
    assert "issuing CA generation 2" in out.getvalue()
    async with started(pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER) as again:
        ca = again.app.state.kit.deps.pki.ca
        assert ca.current.generation == 2  # new certificates come from the new issuing CA
        assert "Signing CA 2" in ca.issue_tsa(name="x").certificate.issuer.rfc4514_string()
        # the earlier signature still verifies; the new CRL is published beside the first one
        verdict = await _verify(again, doc.content)
        assert verdict["valid"], verdict
        later = await again.client.get("/api/verify/crl/issuing-2.crl")
        assert later.status_code == 200
        crl = x509.load_der_x509_crl(later.content)
        assert "Signing CA 2" in crl.issuer.rfc4514_string()
        assert (await again.client.get("/api/verify/crl/issuing.crl")).status_code == 200
        assert (await again.client.get("/api/verify/crl/issuing-3.crl")).status_code == 404
    assert "Signing CA" in first_issuer
