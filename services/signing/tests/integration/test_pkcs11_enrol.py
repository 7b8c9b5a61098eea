"""`python -m signing enrol-firm-token` against SoftHSM2 tokens: the internal CA certifies the
key on the token, the service then starts with that token and the firm signs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from helpers import ONE_SIGNER, counterparty_signs, firm_signs, started
from lexseal_ca.pki import DOCUMENT_SIGNING
from servicekit.testing import TestIdentity
from softhsm import BLANK_TOKEN, FIRM, Tokens, firm_on_token


def enrol(settings: dict[str, Any], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the enrol command in its own process, configured the way an operator would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNING_")}
    env |= {f"SIGNING_{name.upper()}": str(value) for name, value in settings.items()}
    env |= {"SIGNING_DATA_DIR": str(data_dir), "SIGNING_ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "signing", "enrol-firm-token", *args],
        capture_output=True,
        text=True,
        env=env,  # SOFTHSM2_CONF included: the same token store
        check=False,
        timeout=120,
    )


def fingerprint(cert: x509.Certificate) -> str:
    """Return the SHA-256 fingerprint as the command prints it."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


@pytest.mark.integration
async def test_the_enrolled_token_signs_for_the_firm_and_a_second_enrolment_needs_replace(
    tokens: Tokens,
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
) -> None:
    settings = firm_on_token(tokens, tmp_path, firm_pkcs11_token_label=BLANK_TOKEN)

    first = enrol(settings, tmp_path)

    assert first.returncode == 0, first.stderr
    stored = tokens.hsm.certificates(BLANK_TOKEN)
    assert [(label, key_id) for label, key_id, _ in stored] == [("firm", b"\x01")]
    cert = stored[0][2]
    assert f"stored    certificate 'firm' (ID 01) on token {BLANK_TOKEN!r}" in first.stdout
    assert fingerprint(cert) in first.stdout
    # The firm profile, from the service's own CA.
    cert.verify_directly_issued_by(tokens.ca.issuing)
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == FIRM
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in eku

    again = enrol(settings, tmp_path)

    assert again.returncode == 1
    assert "[firm_token_certificate_exists]" in again.stderr
    assert "SIGNING_FIRM_PKCS11_CERT_LABEL" in again.stderr and "--replace" in again.stderr
    assert [c for _, _, c in tokens.hsm.certificates(BLANK_TOKEN)] == [cert]

    replaced = enrol(settings, tmp_path, "--replace", "--chain")

    assert replaced.returncode == 0, replaced.stderr
    assert f"replaced  certificate 'firm' (ID 01, {cert.subject.rfc4514_string()}" in (
        replaced.stdout
    )
    now = {label: c for label, _, c in tokens.hsm.certificates(BLANK_TOKEN)}
    assert set(now) == {"firm", "firm-issuing-ca", "firm-root-ca"}
    assert now["firm"] != cert and fingerprint(now["firm"]) in replaced.stdout
    assert (now["firm-issuing-ca"], now["firm-root-ca"]) == tokens.ca.chain

    # The service starts with the enrolled token (it signs a probe) and the firm signs.
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER, **settings
    ) as s:
        firm_signer = s.app.state.kit.deps.firm.signer()
        assert firm_signer.certificate_der == now["firm"].public_bytes(serialization.Encoding.DER)
        await counterparty_signs(s)
        r = await firm_signs(s)
        assert r.status_code == 200 and r.json()["status"] == "completed", r.text
        signed = (
            await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        ).content
        result = (await s.client.post("/api/verify", files={"file": ("s.pdf", signed)})).json()
    assert result["valid"] is True
    assert all(x["intact"] and x["trusted"] for x in result["signatures"])
    firm = next(x for x in result["signatures"] if x["field"] == "firm")
    assert firm["signer"] == FIRM


def test_an_rsa_key_is_certified_into_a_file_leaving_the_token_alone(
    tokens: Tokens, tmp_path: Path
) -> None:
    settings = firm_on_token(tokens, tmp_path, "rsa")
    before = tokens.hsm.certificates("lexseal-rsa")
    out = tmp_path / "firm.pem"

    done = enrol(settings, tmp_path, "--out", str(out), "--chain", "--days", "30")

    assert done.returncode == 0, done.stderr
    assert f"wrote     {out} (PEM) with the CA chain (2)" in done.stdout
    firm, *chain = x509.load_pem_x509_certificates(out.read_bytes())
    token_cert = tokens.keys["rsa"].certificate
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert firm.public_key().public_bytes(serialization.Encoding.DER, spki) == (
        token_cert.public_key().public_bytes(serialization.Encoding.DER, spki)
    )
    assert tuple(chain) == tokens.ca.chain
    assert (firm.not_valid_after_utc - firm.not_valid_before_utc).days in (29, 30)
    assert tokens.hsm.certificates("lexseal-rsa") == before

    refused = enrol(settings, tmp_path, "--out", str(out))

    assert refused.returncode == 1 and "[firm_token_output_exists]" in refused.stderr
