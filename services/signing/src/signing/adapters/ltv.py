"""Long-term validation data (PAdES B-LT) from what the CA holds locally, never fetched."""

from __future__ import annotations

import logging

from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import ValidationContext

from .pki import CertificateAuthority
from .signer import to_asn1


class _OfflineByDesign(logging.Filter):
    """Drop pyHanko's per-signature warning that fetching is off: it is off on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


_QUIET = _OfflineByDesign()


def validation_context(ca: CertificateAuthority) -> ValidationContext:
    """Return a context that checks the CA's chains against its own CRLs, offline.

    The issuing CA's CRL covers the signer and TSA certificates; the root's covers the
    issuing CA certificate, which AdES validation also wants revocation data for.

    'hard-fail' checks every certificate that names a distribution point, so a certificate the
    CRL lists stops the signature instead of being embedded as revoked.
    """
    # Adding the same filter again is a no-op.
    logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_QUIET)
    return ValidationContext(
        trust_roots=[to_asn1(ca.root)],
        other_certs=[to_asn1(ca.issuing)],
        crls=[ca.crl_der(), ca.root_crl_der()],
        allow_fetching=False,
        revocation_mode="hard-fail",
    )


def issued_by(ca: CertificateAuthority, cert: asn1_x509.Certificate) -> bool:
    """Tell whether the CA's issuing certificate issued ``cert`` (so its CRL covers it)."""
    issuing = to_asn1(ca.issuing)
    same_key: bool = cert.authority_key_identifier == issuing.key_identifier
    return same_key and cert.issuer == issuing.subject
