"""PAdES B-LTA: a document timestamp over the final revision, with the TSA's validation data,
renewed before the TSA certificate expires; the archival level holds without a fetch."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, Party
from cryptography import x509
from cryptography.x509 import ocsp
from lexseal_ca.pki import CertificateAuthority
from lexseal_ca.revocation import Revocation
from pades.archive import add_document_timestamp, newest_timestamp_expiry
from pades.ltv import to_crypto, validation_context
from pades.signer import to_asn1
from pades.testing import PYHANKO_CLI, run
from pades.tsa import LexsealTimeStamper
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy, FreshnessReqType
from pyhanko_certvalidator.registry import SimpleTrustManager
from servicekit.testing import missing_tool


def _tsa(ca: CertificateAuthority, days: int) -> LexsealTimeStamper:
    return LexsealTimeStamper(ca.issue_tsa(name="lexseal", validity=dt.timedelta(days=days)))


def _stamp(pdf: bytes, ca: CertificateAuthority, tsa: LexsealTimeStamper) -> bytes:
    context = validation_context(ca, certs=[to_crypto(tsa.tsa_cert)])
    return add_document_timestamp(pdf, timestamper=tsa, validation_context=context)


def _spec(ca: CertificateAuthority) -> PdfSignatureValidationSpec:
    # what `pyhanko sign adesverify` applies, from the document's own data only
    revinfo = CertRevTrustPolicy(
        REQUIRE_REVINFO,
        freshness=None,
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
    )
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[to_asn1(ca.root)]),
        revinfo_policy=revinfo,
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            local_knowledge=LocalKnowledge(),
        )
    )


def _archival(pdf: bytes, ca: CertificateAuthority) -> list[Any]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return [
        asyncio.run(ades_lta_validation(sig, _spec(ca))).ades_subindic
        for sig in reader.embedded_regular_signatures
    ]


@pytest.fixture(scope="module")
def archived(signed_pdf: bytes, ca: CertificateAuthority) -> bytes:
    return _stamp(signed_pdf, ca, _tsa(ca, days=365))


def test_the_document_timestamp_gives_every_signature_the_archival_level_offline(
    signed_pdf: bytes, archived: bytes, ca: CertificateAuthority, crl_server: Any
) -> None:
    hits = crl_server.hits
    # the control: B-LT alone has no proof of existence for the chain (NO_POE)
    assert set(_archival(signed_pdf, ca)) == {AdESIndeterminate.NO_POE}

    assert _archival(archived, ca) == [AdESPassed.OK] * 3
    assert crl_server.hits == hits  # nothing was fetched


def test_the_timestamp_covers_the_final_revision_and_its_tsa_data_follows_it(
    signed_pdf: bytes, archived: bytes
) -> None:
    reader = PdfFileReader(io.BytesIO(archived))
    (stamp,) = reader.embedded_timestamp_signatures
    signed_revisions = PdfFileReader(io.BytesIO(signed_pdf)).xrefs.total_revisions
    assert stamp.signed_revision == signed_revisions  # over the whole signed file, and after it
    tsa_serial = stamp.signer_cert.serial_number
    # the last revision is a DSS update carrying an OCSP answer on the timestamp's TSA
    dss = DocumentSecurityStore.read_dss(reader)
    answered = {ocsp.load_der_ocsp_response(r.get_object().data).serial_number for r in dss.ocsps}
    assert tsa_serial in answered
    assert reader.xrefs.total_revisions == stamp.signed_revision + 2


def _adesverify(pdf: Path, root: Path) -> Any:
    # An explicit validation time makes the CLI validate point-in-time, which never fetches.
    return run(
        PYHANKO_CLI, "sign", "adesverify", "--trust", root, "--trust-replace",
        "--validation-time", dt.datetime.now(dt.UTC).isoformat(), "--executive-summary", pdf,
    )  # fmt: skip


# what pyHanko logs when a signature lacks the archival proof (AdES NO_POE)
_NO_POE = ("without past proof of existence", "Failed to get control time")


def test_pyhanko_adesverify_reaches_the_archival_level_without_fetching(
    signed_pdf: bytes, archived: bytes, root_pem_file: Path, crl_server: Any, tmp_path: Path
) -> None:
    if not PYHANKO_CLI.exists():
        missing_tool("pyhanko CLI not installed")
    (tmp_path / "archived.pdf").write_bytes(archived)
    (tmp_path / "blt.pdf").write_bytes(signed_pdf)
    hits = crl_server.hits

    result = _adesverify(tmp_path / "archived.pdf", root_pem_file)
    control = _adesverify(tmp_path / "blt.pdf", root_pem_file)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(":VALID") == 3, result.stdout
    assert not any(s in result.stderr for s in _NO_POE), result.stderr
    # the control: the same signatures without the document timestamp lack that proof
    assert all(s in control.stderr for s in _NO_POE), control.stderr
    assert crl_server.hits == hits


def test_a_short_lived_tsa_certificate_is_renewed_by_a_new_timestamp(
    signed_pdf: bytes, ca: CertificateAuthority
) -> None:
    short = _stamp(signed_pdf, ca, _tsa(ca, days=10))
    expiry = newest_timestamp_expiry(short)
    assert expiry is not None and expiry < dt.datetime.now(dt.UTC) + dt.timedelta(days=11)

    renewed = _stamp(short, ca, _tsa(ca, days=365))

    later = newest_timestamp_expiry(renewed)
    assert later is not None and later > expiry + dt.timedelta(days=300)
    assert len(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures) == 2
    assert _archival(renewed, ca) == [AdESPassed.OK] * 3
    assert newest_timestamp_expiry(signed_pdf) is None


def test_a_revocation_after_the_archived_signature_leaves_it_valid_for_pyhanko(
    tmp_path: Path, crl_server: Any, parties: list[Party]
) -> None:
    if not PYHANKO_CLI.exists():
        missing_tool("pyhanko CLI not installed")
    from pades.pdf import PdfSigningEngine, prepare
    from pades.testing import make_contract_pdf

    host, port = crl_server.server_address[:2]
    ca = CertificateAuthority.open(
        tmp_path / "ca", passphrase=PASSPHRASE, base_url=f"http://{host!s}:{port}"
    )
    shared_ca, crl_server.ca = crl_server.ca, ca
    try:
        tsa = _tsa(ca, days=365)
        person = ca.issue_individual(name="张三", id_number="11010519491231002X")
        engine = PdfSigningEngine()
        signed = engine.sign(
            prepare(make_contract_pdf(pages=1), "https://lexseal.example/verify/x"),
            signer=engine.signer_for(person),
            field_name="sig",
            page=0,
            box=(72, 90, 172, 190),
            seal_png=parties[0].seal_png,
            timestamper=tsa,
            validation_context=validation_context(
                ca, certs=[person.certificate, to_crypto(tsa.tsa_cert)]
            ),
        )
        pdf = tmp_path / "archived.pdf"
        pdf.write_bytes(_stamp(signed, ca, tsa))
        issuer = ca.issuer_of(person.certificate)
        assert issuer is not None
        revoked = Revocation(
            person.certificate.serial_number, dt.datetime.now(dt.UTC), "superseded"
        )
        ca.set_revocations([(issuer.key_id, revoked)], version=1)
        (tmp_path / "root.pem").write_bytes(ca.root_pem())
        hits = crl_server.hits

        # no validation time: pyHanko fetches the current CRL and OCSP, which say revoked
        result = run(
            PYHANKO_CLI, "sign", "adesverify", "--trust", tmp_path / "root.pem",
            "--trust-replace", "--executive-summary", pdf,
        )  # fmt: skip

        assert crl_server.hits > hits
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count(":VALID") == 1, result.stdout
        current = x509.load_der_x509_crl(ca.crl_der())
        assert current.get_revoked_certificate_by_serial_number(revoked.serial) is not None
    finally:
        crl_server.ca = shared_ca
