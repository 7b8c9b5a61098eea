"""The CA's CRLs are public, and the service's signatures carry them (PAdES B-LT)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from helpers import settings_for
from lexseal_ca.pki import CRL_PATH, ROOT_CRL_PATH
from pades.testing import run
from servicekit.pytest_plugin import running
from servicekit.testing import TestIdentity, need_tools
from signing.bootstrap import create_app

from tools import assert_openssl_verifies_crl

pytestmark = pytest.mark.integration


async def test_the_crl_endpoint_serves_the_issuing_ca_crl_in_der(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
    async with running(create_app(settings)) as client:
        r = await client.get(CRL_PATH)  # public: no token

    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pkix-crl"
    issuing = x509.load_pem_x509_certificate((settings.ca_dir / "issuing.pem").read_bytes())
    crl = x509.load_der_x509_crl(r.content)
    assert crl.issuer == issuing.subject and len(crl) == 0
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    need_tools("openssl")
    (tmp_path / "issuing.crl").write_bytes(r.content)
    text = run(
        "openssl", "crl", "-inform", "DER", "-in", tmp_path / "issuing.crl", "-noout", "-text"
    )
    assert text.returncode == 0 and "Next Update" in text.stdout, text.stderr
    assert_openssl_verifies_crl(r.content, settings.ca_dir / "issuing.pem", tmp_path)


async def test_the_root_crl_endpoint_serves_the_root_crl_in_der(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
    async with running(create_app(settings)) as client:
        r = await client.get(ROOT_CRL_PATH)  # public: no token

    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pkix-crl"
    root = x509.load_pem_x509_certificate((settings.ca_dir / "root.pem").read_bytes())
    crl = x509.load_der_x509_crl(r.content)
    assert crl.issuer == root.subject and len(crl) == 0
    assert crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
    assert_openssl_verifies_crl(r.content, settings.ca_dir / "root.pem", tmp_path)
