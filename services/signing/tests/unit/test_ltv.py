"""Every signature carries its long-term validation data (PAdES B-LT), from the CA's own CRLs."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl
from conftest import PASSPHRASE, Party
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lexseal_ca.pki import CertificateAuthority
from pades.ltv import issued_by, validation_context
from pades.pdf import PdfSigningEngine
from pades.signer import to_asn1
from pades.testing import PYHANKO_CLI, run
from pades.tsa import LexsealTimeStamper
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation, ades_with_time_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer
from servicekit.testing import missing_tool, need_tools
from signing.adapters.errors import CaError, SigningFailed

from tools import assert_openssl_verifies_crl


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _dss(pdf: bytes) -> tuple[PdfFileReader, DocumentSecurityStore]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return reader, DocumentSecurityStore.read_dss(reader)


def test_the_dss_holds_every_chain_and_both_ca_crls(
    signed_pdf: bytes, ca: CertificateAuthority, parties: list[Party], tsa: LexsealTimeStamper
) -> None:
    _, dss = _dss(signed_pdf)

    certs = {ref.get_object().data for ref in dss.certs.values()}
    signers = [_der(p.credential.certificate) for p in parties]
    assert set(signers) | {_der(ca.issuing), _der(ca.root), tsa.tsa_cert.dump()} <= certs
    crls = [x509.load_der_x509_crl(ref.get_object().data) for ref in dss.crls]
    by_issuer = {c.issuer: c for c in crls}
    assert set(by_issuer) == {ca.issuing.subject, ca.root.subject}
    issuing_crl, root_crl = by_issuer[ca.issuing.subject], by_issuer[ca.root.subject]
    assert issuing_crl.is_signature_valid(ca.issuing.public_key())  # type: ignore[arg-type]
    assert root_crl.is_signature_valid(ca.root.public_key())  # type: ignore[arg-type]


def _offline_context(ca: CertificateAuthority, dss: DocumentSecurityStore | None) -> Any:
    kwargs: dict[str, Any] = {
        "trust_roots": [to_asn1(ca.root)],
        "allow_fetching": False,
        "revocation_mode": "hard-fail",
        "retroactive_revinfo": True,
    }
    if dss is None:
        return ValidationContext(crls=[], **kwargs)
    return dss.as_validation_context(kwargs)


def test_the_embedded_data_alone_passes_hard_fail_revocation_checks(
    signed_pdf: bytes, ca: CertificateAuthority
) -> None:
    reader, dss = _dss(signed_pdf)

    for sig in reader.embedded_regular_signatures:
        context = _offline_context(ca, dss)
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
        assert status.bottom_line and status.trusted, sig.field_name
        ts = status.timestamp_validity
        assert ts is not None and ts.trusted, sig.field_name
        assert status.revocation_details is None  # checked, and not revoked


def test_without_the_embedded_crl_hard_fail_validation_does_not_trust(
    signed_pdf: bytes, ca: CertificateAuthority
) -> None:
    # The control for the test above: the certificates do demand a revocation check.
    reader, _ = _dss(signed_pdf)
    sig = reader.embedded_regular_signatures[0]
    context = _offline_context(ca, None)

    status = validate_pdf_signature(sig, signer_validation_context=context)

    assert status.intact and status.valid and not status.trusted


def test_issued_certificates_name_the_crl_distribution_point(
    ca: CertificateAuthority, parties: list[Party], tsa: LexsealTimeStamper
) -> None:
    certs = [p.credential.certificate for p in parties]
    certs.append(x509.load_der_x509_certificate(tsa.tsa_cert.dump()))

    for cert in certs:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert [n.value for p in points for n in p.full_name or ()] == [ca.crl_url]


def test_the_crl_is_current_signed_by_the_issuing_ca_and_empty(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    crl = ca.crl()
    now = dt.datetime.now(dt.UTC)

    assert crl.issuer == ca.issuing.subject and len(crl) == 0
    assert crl.last_update_utc <= now < crl.next_update_utc  # type: ignore[operator]
    assert crl.is_signature_valid(ca.issuing.public_key())  # type: ignore[arg-type]
    assert not crl.is_signature_valid(ca.root.public_key())  # type: ignore[arg-type]
    assert ca.crl_der() == ca.crl_der()  # cached, not reissued per request
    need_tools("openssl")
    (tmp_path / "issuing.crl").write_bytes(ca.crl_der())
    (tmp_path / "issuing.pem").write_bytes(ca.issuing.public_bytes(serialization.Encoding.PEM))
    text = run(
        "openssl", "crl", "-inform", "DER", "-in", tmp_path / "issuing.crl", "-noout", "-text"
    )
    assert text.returncode == 0 and "No Revoked Certificates" in text.stdout, text.stderr
    assert_openssl_verifies_crl(ca.crl_der(), tmp_path / "issuing.pem", tmp_path)


def test_a_chain_the_context_cannot_vouch_for_is_not_signed(
    prepared_pdf: bytes,
    parties: list[Party],
    engine: PdfSigningEngine,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    other = CertificateAuthority.open(tmp_path / "other", passphrase=PASSPHRASE)
    stranger = other.issue_individual(name="李四", id_number="11010519491231002X")
    party = parties[0]
    assert issued_by(ca, to_asn1(party.credential.certificate))
    assert not issued_by(ca, to_asn1(stranger.certificate))

    with pytest.raises(SigningFailed):
        engine.sign(
            prepared_pdf,
            signer=engine.signer_for(stranger),
            field_name="stranger",
            page=party.page,
            box=party.box,
            seal_png=party.seal_png,
            validation_context=validation_context(ca),
        )


def test_the_root_crl_is_current_signed_by_the_root_and_empty(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    crl = ca.root_crl()
    now = dt.datetime.now(dt.UTC)

    assert crl.issuer == ca.root.subject and len(crl) == 0
    assert crl.last_update_utc <= now < crl.next_update_utc  # type: ignore[operator]
    assert crl.next_update_utc - crl.last_update_utc == dt.timedelta(days=7)  # type: ignore[operator]
    assert crl.is_signature_valid(ca.root.public_key())  # type: ignore[arg-type]
    assert not crl.is_signature_valid(ca.issuing.public_key())  # type: ignore[arg-type]
    assert ca.root_crl_der() == ca.root_crl_der()  # cached, not reissued per request
    (tmp_path / "root.pem").write_bytes(ca.root_pem())
    assert_openssl_verifies_crl(ca.root_crl_der(), tmp_path / "root.pem", tmp_path)


def test_the_root_key_is_loaded_only_to_sign_a_root_crl(tmp_path: Path) -> None:
    ca = CertificateAuthority.open(tmp_path / "ca", passphrase=PASSPHRASE)
    (tmp_path / "ca" / "root.key.pem").unlink()  # issuing and its CRL never touch it

    ca.issue_individual(name="张三", id_number="11010519491231002X")
    ca.crl()
    with pytest.raises(CaError):
        ca.root_crl()


def _ades_spec(
    ca: CertificateAuthority, knowledge: LocalKnowledge | None = None
) -> SignatureValidationSpec:
    # The policy `pyhanko sign adesverify` applies (revocation data for every non-anchor
    # certificate), but from local data alone: never a fetch.
    revinfo = CertRevTrustPolicy(
        REQUIRE_REVINFO,
        freshness=None,
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
    )
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[to_asn1(ca.root)]),
        revinfo_policy=revinfo,
    )
    return SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
        ),
        local_knowledge=knowledge or LocalKnowledge(),
    )


def _knowledge(dss: DocumentSecurityStore, *, without_issuer: x509.Name | None) -> LocalKnowledge:
    crls = [ref.get_object().data for ref in dss.crls]
    return LocalKnowledge(
        known_crls=[
            CRLContainer(asn1_crl.CertificateList.load(der))
            for der in crls
            if x509.load_der_x509_crl(der).issuer != without_issuer
        ],
        known_certs=list(dss.load_certs()),
    )


async def _with_time(sig: EmbeddedPdfSignature, spec: SignatureValidationSpec) -> Any:
    return await ades_with_time_validation(sig.signed_data, spec, raw_digest=sig.compute_digest())


def test_ades_validation_passes_from_the_embedded_data_alone(
    signed_pdf: bytes, ca: CertificateAuthority, crl_server: Any
) -> None:
    reader, dss = _dss(signed_pdf)
    hits = crl_server.hits
    spec = _ades_spec(ca, _knowledge(dss, without_issuer=None))

    for sig in reader.embedded_regular_signatures:
        # AdES "signature with time" is the level a B-LT signature reaches...
        result = asyncio.run(_with_time(sig, spec))
        assert result.ades_subindic == AdESPassed.OK, (sig.field_name, result.ades_subindic)
        # ...and the verdict adesverify prints (its LTA pass reads the DSS itself).
        lta = asyncio.run(ades_lta_validation(sig, PdfSignatureValidationSpec(_ades_spec(ca))))
        status = lta.api_status
        assert status is not None and status.bottom_line and status.trusted, sig.field_name

    assert crl_server.hits == hits  # nothing was fetched


def test_without_the_root_crl_ades_validation_does_not_pass(
    signed_pdf: bytes, ca: CertificateAuthority
) -> None:
    # The control: the issuing CA certificate itself needs the root's revocation data.
    reader, dss = _dss(signed_pdf)
    spec = _ades_spec(ca, _knowledge(dss, without_issuer=ca.root.subject))

    result = asyncio.run(_with_time(reader.embedded_regular_signatures[0], spec))

    assert result.ades_subindic != AdESPassed.OK


def test_pyhanko_adesverify_trusts_every_signature_offline(
    signed_pdf: bytes, root_pem_file: Path, crl_server: Any, tmp_path: Path
) -> None:
    if not PYHANKO_CLI.exists():
        missing_tool("pyhanko CLI not installed")
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed_pdf)
    hits = crl_server.hits

    # An explicit validation time makes the CLI validate point-in-time, which never fetches.
    now = dt.datetime.now(dt.UTC).isoformat()
    result = run(
        PYHANKO_CLI,
        "sign",
        "adesverify",
        "--trust",
        root_pem_file,
        "--trust-replace",
        "--validation-time",
        now,
        "--executive-summary",
        pdf,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(":VALID") == 3, result.stdout
    assert crl_server.hits == hits  # nothing was fetched
