"""Long-term validation data (PAdES B-LT) from what the CA holds locally, never fetched."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator import ValidationContext

from .signer import to_asn1


class IssuingCertificate(Protocol):
    """One issuing CA certificate (a generation of the CA)."""

    @property
    def certificate(self) -> x509.Certificate: ...


class CertificateAuthority(Protocol):
    """What LTV needs of the CA that issued the signers' certificates: its chain, CRLs and an
    OCSP response for a certificate, all held locally (the signing service's internal CA)."""

    @property
    def root(self) -> x509.Certificate: ...

    @property
    def generations(self) -> Sequence[IssuingCertificate]: ...

    def crls_der(self) -> list[bytes]: ...

    def ocsp_for(self, cert: x509.Certificate) -> bytes: ...

    def issuer_of(self, cert: x509.Certificate) -> object | None: ...


class _OfflineByDesign(logging.Filter):
    """Drop pyHanko's per-signature warning that fetching is off: it is off on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


_QUIET = _OfflineByDesign()


def validation_context(
    ca: CertificateAuthority, *, certs: Sequence[x509.Certificate] = ()
) -> ValidationContext:
    """Return a context that checks the CA's chains against its own CRLs and OCSP, offline.

    The issuing CAs' CRLs cover the signer and TSA certificates; the root's covers the
    issuing CA certificates, which AdES validation also wants revocation data for. Each
    certificate in ``certs`` the CA issued also gets a fresh OCSP response, signed locally
    (never over HTTP), which the signature then embeds.

    'hard-fail' checks every certificate that names a distribution point, so a certificate the
    CRL lists stops the signature instead of being embedded as revoked.
    """
    # Adding the same filter again is a no-op.
    logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_QUIET)
    return ValidationContext(
        trust_roots=[to_asn1(ca.root)],
        other_certs=[to_asn1(g.certificate) for g in ca.generations],
        crls=ca.crls_der(),
        ocsps=[ca.ocsp_for(c) for c in certs if ca.issuer_of(c) is not None],
        allow_fetching=False,
        revocation_mode="hard-fail",
    )


def issued_by(ca: CertificateAuthority, cert: asn1_x509.Certificate) -> bool:
    """Tell whether one of the CA's issuing certificates issued ``cert`` (so its CRL covers it)."""
    for g in ca.generations:
        issuing = to_asn1(g.certificate)
        if (
            cert.authority_key_identifier == issuing.key_identifier
            and cert.issuer == issuing.subject
        ):
            return True
    return False


def to_crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    """Return an asn1crypto certificate as a ``cryptography`` one."""
    return x509.load_der_x509_certificate(cert.dump())
