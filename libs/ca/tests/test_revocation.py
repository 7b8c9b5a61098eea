"""Revocation that works: CRLs list revoked serials at once, OCSP answers, signatures judge it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE, make_contract_pdf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID
from lexseal_ca import pki
from lexseal_ca.pki import (
    ROOT_CRL_PATH,
    CertificateAuthority,
    IssuedCredential,
    key_id,
)
from lexseal_ca.revocation import Revocation
from lexseal_ca.testing import RevocationServer, revocation_server
from pades.ltv import validation_context
from pades.pdf import PdfSigningEngine, prepare
from pades.seals import SealRenderer
from pades.testing import PYHANKO_CLI, run
from pades.tsa import LexsealTimeStamper
from pades.verify import verify_pdf
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from servicekit.testing import missing_tool, need_tools

PERSON_ID = "11010519491231002X"


@pytest.fixture
def server() -> Iterator[RevocationServer]:
    with revocation_server() as server:
        yield server


@pytest.fixture
def ca(tmp_path: Path, server: RevocationServer) -> CertificateAuthority:
    ca = CertificateAuthority.open(tmp_path / "ca", passphrase=PASSPHRASE, base_url=server.base_url)
    server.ca = ca
    return ca


def _revoke(ca: CertificateAuthority, cert: x509.Certificate, **kw: object) -> Revocation:
    issuer = ca.issuer_of(cert)
    assert issuer is not None
    revocation = Revocation(
        serial=cert.serial_number,
        revoked_at=kw.pop("at", dt.datetime.now(dt.UTC)),  # type: ignore[arg-type]
        reason=kw.pop("reason", "key_compromise"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    earlier = [(g.key_id, r) for g in ca.generations for r in g.revoked.values()]
    ca.set_revocations([*earlier, (issuer.key_id, revocation)], version=object())
    return revocation


def _sign(
    ca: CertificateAuthority,
    credential: IssuedCredential,
    *,
    tsa: LexsealTimeStamper | None,
    pdf: bytes | None = None,
    field: str = "sig",
    ltv: bool = True,
) -> bytes:
    engine = PdfSigningEngine()
    certs = [credential.certificate]
    if tsa is not None:
        certs.append(x509.load_der_x509_certificate(tsa.tsa_cert.dump()))
    return engine.sign(
        pdf or prepare(make_contract_pdf(pages=1), "https://lexseal.example/verify/x"),
        signer=engine.signer_for(credential),
        field_name=field,
        page=0,
        box=(72, 90, 172, 190) if field == "sig" else (200, 90, 300, 190),
        seal_png=SealRenderer().individual("张三"),
        timestamper=tsa,
        validation_context=validation_context(ca, certs=certs) if ltv else None,
    )


def _pyhanko_validate(pdf: bytes, ca: CertificateAuthority, tmp_path: Path) -> str:
    if not PYHANKO_CLI.exists():
        missing_tool("pyhanko CLI not installed")
    (tmp_path / "root.pem").write_bytes(ca.root_pem())
    (tmp_path / "doc.pdf").write_bytes(pdf)
    # No --soft-revocation-check: pyHanko fetches the CRLs and OCSP the certificates name.
    result = run(
        PYHANKO_CLI,
        "sign",
        "validate",
        "--trust",
        tmp_path / "root.pem",
        "--trust-replace",
        "--executive-summary",
        tmp_path / "doc.pdf",
    )
    return result.stdout + result.stderr


def test_certificates_name_the_ocsp_responder_and_crl_and_the_issuing_ca_names_the_root_crl(
    ca: CertificateAuthority, server: RevocationServer
) -> None:
    cert = ca.issue_individual(name="张三", id_number=PERSON_ID).certificate

    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(a.access_method, a.access_location.value) for a in aia] == [
        (AuthorityInformationAccessOID.OCSP, server.base_url + "/api/verify/ocsp")
    ]
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for p in points for n in p.full_name or ()] == [
        server.base_url + "/api/verify/crl/issuing.crl"
    ]
    issuing = ca.issuing.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    root_crl = [server.base_url + ROOT_CRL_PATH]
    assert [n.value for p in issuing for n in p.full_name or ()] == root_crl


def test_the_crl_lists_a_revoked_serial_at_once_with_its_reason(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    cert = ca.issue_individual(name="张三", id_number=PERSON_ID).certificate
    before = ca.crl()
    assert len(before) == 0
    compromised = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)

    _revoke(ca, cert, invalidity_date=compromised)

    crl = ca.crl()
    assert crl is not before  # reissued at once, not at the next daily refresh
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    invalid = entry.extensions.get_extension_for_class(x509.InvalidityDate).value
    assert invalid.invalidity_date_utc == compromised
    assert crl.is_signature_valid(ca.issuing.public_key())  # type: ignore[arg-type]
    need_tools("openssl")
    (tmp_path / "issuing.crl").write_bytes(ca.crl_der())
    text = run(
        "openssl", "crl", "-inform", "DER", "-in", tmp_path / "issuing.crl", "-noout", "-text"
    )
    assert format(cert.serial_number, "X")[-8:] in text.stdout.upper()
    assert "Key Compromise" in text.stdout, text.stdout


def _ask(
    ca: CertificateAuthority, cert: x509.Certificate, nonce: bytes | None = None
) -> ocsp.OCSPResponse:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, ca.issuing, hashes.SHA1())  # noqa: S303
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    der = builder.build().public_bytes(serialization.Encoding.DER)
    return ocsp.load_der_ocsp_response(ca.ocsp_answer(der, is_known=lambda _k, s: s != 42))


def test_ocsp_answers_good_then_revoked_and_unknown_for_a_serial_never_issued(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    cert = ca.issue_enterprise(
        company_name="北京星河科技有限公司", credit_code="91110108MA01ABCD1X"
    )
    good = _ask(ca, cert.certificate, nonce=b"0123456789abcdef")
    assert good.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert (
        good.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
    )
    # signed by the issuing CA's delegated responder, which travels in the response: issued
    # by that CA for OCSP signing only, exempt from its own status check; openssl agrees
    (responder,) = good.certificates
    assert responder.issuer == ca.issuing.subject
    assert good.responder_key_hash == key_id(responder)
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert responder.extensions.get_extension_for_class(x509.OCSPNoCheck)
    responder.verify_directly_issued_by(ca.issuing)
    need_tools("openssl")
    (tmp_path / "root.pem").write_bytes(ca.root_pem())
    (tmp_path / "issuing.pem").write_bytes(ca.issuing.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "cert.pem").write_bytes(cert.certificate_pem())

    revocation = _revoke(ca, cert.certificate, reason="identity_false")
    revoked = _ask(ca, cert.certificate)
    (tmp_path / "revoked.der").write_bytes(revoked.public_bytes(serialization.Encoding.DER))
    checked = run(
        "openssl", "ocsp", "-respin", tmp_path / "revoked.der", "-CAfile", tmp_path / "root.pem",
        "-issuer", tmp_path / "issuing.pem", "-cert", tmp_path / "cert.pem",
        "-verify_other", tmp_path / "issuing.pem",
    )  # fmt: skip
    assert "Response verify OK" in checked.stderr, checked.stderr
    assert ": revoked" in checked.stdout, checked.stdout  # (openssl names no reason 9)
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc == revocation.revoked_at.replace(microsecond=0)
    assert revoked.revocation_reason == x509.ReasonFlags.privilege_withdrawn

    never = ca.issue_individual(name="李四", id_number=PERSON_ID).certificate
    unknown = _ask(ca, never)
    assert unknown.certificate_status == ocsp.OCSPCertStatus.GOOD  # issued, not revoked
    forged = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        issuer_name_hash=_hash(ca.issuing.subject.public_bytes()),
        issuer_key_hash=good.issuer_key_hash,
        serial_number=42,
        algorithm=hashes.SHA1(),  # noqa: S303
    )
    answer = ocsp.load_der_ocsp_response(
        ca.ocsp_answer(
            forged.build().public_bytes(serialization.Encoding.DER), is_known=lambda _k, s: s != 42
        )
    )
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert ocsp.load_der_ocsp_response(ca.ocsp_answer(b"junk")).response_status == (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def _hash(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA1())  # noqa: S303
    digest.update(data)
    return digest.finalize()


def test_a_signature_embeds_ocsp_answers_and_pyhanko_validates_without_soft_revocation_check(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    tsa = LexsealTimeStamper(ca.issue_tsa(name="lexseal"))
    person = ca.issue_individual(name="张三", id_number=PERSON_ID)

    signed = _sign(ca, person, tsa=tsa)

    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed)))
    answers = [ocsp.load_der_ocsp_response(ref.get_object().data) for ref in dss.ocsps]
    assert {a.serial_number for a in answers} >= {person.certificate.serial_number}
    assert all(a.certificate_status == ocsp.OCSPCertStatus.GOOD for a in answers)
    out = _pyhanko_validate(signed, ca, tmp_path)
    assert ":VALID" in out and "INVALID" not in out, out


def test_a_certificate_revoked_before_signing_makes_the_signature_invalid(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    tsa = LexsealTimeStamper(ca.issue_tsa(name="lexseal"))
    person = ca.issue_individual(name="张三", id_number=PERSON_ID)
    _revoke(ca, person.certificate, at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5))
    # The platform refuses to sign with it (the validation context sees it revoked)...
    with pytest.raises(Exception, match=r"(?i)revoked|signing failed"):
        _sign(ca, person, tsa=tsa)
    # ...but whoever holds the key can still sign outside the platform.
    forged = _sign(ca, person, tsa=tsa, ltv=False)

    report = verify_pdf(forged, [ca.root_pem()], revocation_of=ca.revocation_of)
    assert not report.valid
    assert report.signatures[0].problem is not None
    assert report.signatures[0].problem.code == "certificate_revoked"
    assert report.signatures[0].revoked_before_signing is True
    out = _pyhanko_validate(forged, ca, tmp_path)
    assert "INVALID" in out and ":VALID" not in out.replace("INVALID", ""), out


def test_a_certificate_revoked_after_a_timestamped_signature_leaves_it_valid(
    ca: CertificateAuthority,
) -> None:
    tsa = LexsealTimeStamper(ca.issue_tsa(name="lexseal"))
    person = ca.issue_individual(name="张三", id_number=PERSON_ID)
    signed = _sign(ca, person, tsa=tsa)

    _revoke(ca, person.certificate, reason="superseded")

    report = verify_pdf(signed, [ca.root_pem()], revocation_of=ca.revocation_of)
    assert report.valid, report.reason
    assert report.signatures[0].revocation is not None
    assert report.signatures[0].revoked_before_signing is False


def test_a_key_rollover_keeps_earlier_signatures_valid(
    ca: CertificateAuthority, server: RevocationServer, tmp_path: Path
) -> None:
    tsa = LexsealTimeStamper(ca.issue_tsa(name="lexseal"))
    early = _sign(ca, ca.issue_individual(name="张三", id_number=PERSON_ID), tsa=tsa)
    directory = tmp_path / "ca"

    generation = CertificateAuthority.rollover(
        directory, passphrase=PASSPHRASE, base_url=server.base_url
    )
    rolled = CertificateAuthority.open(directory, passphrase=PASSPHRASE, base_url=server.base_url)
    server.ca = rolled

    assert generation == 2 and rolled.current.generation == 2
    assert rolled.issuing != ca.issuing and rolled.root == ca.root
    assert rolled.crl_url == server.base_url + "/api/verify/crl/issuing-2.crl"
    new_tsa = LexsealTimeStamper(rolled.issue_tsa(name="lexseal"))
    later_credential = rolled.issue_individual(name="李四", id_number=PERSON_ID)
    later_credential.certificate.verify_directly_issued_by(rolled.issuing)
    # the earlier document gets a later signature from the new issuing CA
    both = _sign(rolled, later_credential, tsa=new_tsa, pdf=early, field="later")

    report = verify_pdf(both, [rolled.root_pem()], revocation_of=rolled.revocation_of)
    assert report.valid, report.reason
    assert len({s.issuer for s in report.signatures}) == 2
    out = _pyhanko_validate(both, rolled, tmp_path)
    assert out.count(":VALID") == 2 and "INVALID" not in out, out


def test_the_ocsp_responder_certificate_is_kept_and_renewed_before_it_runs_short(
    ca: CertificateAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = ca.current.responder()
    assert ca.current.responder()[0] is first  # one responder while it has time left
    left = first.not_valid_after_utc - first.not_valid_before_utc
    assert dt.timedelta(days=29) < left <= dt.timedelta(days=30, minutes=5)
    # a week before its end it is replaced, and answers carry the new one
    monkeypatch.setattr(pki, "_RESPONDER_RENEW", left)
    renewed, _ = ca.current.responder()
    assert renewed.serial_number != first.serial_number
    cert = ca.issue_individual(name="张三", id_number=PERSON_ID)
    answer = _ask(ca, cert.certificate)
    assert [c.serial_number for c in answer.certificates] != [first.serial_number]


def test_the_ocsp_answer_signatures_embed_is_reused_until_the_status_changes(
    ca: CertificateAuthority,
) -> None:
    cert = ca.issue_individual(name="张三", id_number=PERSON_ID).certificate
    first = ca.ocsp_for(cert)
    assert ca.ocsp_for(cert) == first  # not signed again for every signature

    _revoke(ca, cert, reason="key_compromise")

    after = ocsp.load_der_ocsp_response(ca.ocsp_for(cert))
    assert after.certificate_status == ocsp.OCSPCertStatus.REVOKED


def test_a_token_certificate_from_before_a_rollover_keeps_its_own_chain(
    ca: CertificateAuthority, server: RevocationServer, tmp_path: Path
) -> None:
    from lexseal_ca.firm_keys_pkcs11 import _issuers_of

    on_token = ca.issue_firm(firm_name="某律师事务所").certificate
    CertificateAuthority.rollover(tmp_path / "ca", passphrase=PASSPHRASE, base_url=server.base_url)
    rolled = CertificateAuthority.open(tmp_path / "ca", passphrase=PASSPHRASE)
    chain = (*(g.certificate for g in reversed(rolled.generations)), rolled.root)

    assert _issuers_of(on_token, chain) == (ca.issuing, rolled.root)
    newer = rolled.issue_firm(firm_name="某律师事务所").certificate
    assert _issuers_of(newer, chain) == (rolled.issuing, rolled.root)
    stranger = CertificateAuthority.open(tmp_path / "other", passphrase=PASSPHRASE)
    assert _issuers_of(stranger.issue_firm(firm_name="x").certificate, chain) == ()
