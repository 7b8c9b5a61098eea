"""Use cases of the internal CA's register: record issued certificates, revoke, answer OCSP."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from cryptography import x509
from cryptography.x509 import ocsp
from lexseal_ca.pki import CertificateAuthority, cert_pem, key_id
from lexseal_ca.revocation import REASONS, Revocation
from lexseal_events import CertificateRevoked, CertificateRevokedData
from pades.ltv import issued_by, to_crypto
from pades.signer import own_signer
from servicekit.domain import AuditFact
from servicekit.uow import Actor, UnitOfWork

from ..adapters.ca_repository import CaRepository
from ..adapters.firm import Firm
from ..adapters.pki import Pki
from ..adapters.tables import CaCertificate
from ..domain import errors

Kind = Literal["individual", "enterprise", "firm", "tsa"]
Reason = Literal["identity_false", "key_compromise", "superseded"]
assert set(get_args(Reason)) == set(REASONS)


def serial_hex(cert: x509.Certificate) -> str:
    """Return a certificate's serial as lowercase hex, as reports and the register show it."""
    return format(cert.serial_number, "x")


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


async def register(
    uow: UnitOfWork, *, ca: CertificateAuthority, cert: x509.Certificate, kind: Kind
) -> None:
    """Record a certificate the CA issued (no-op when it is already recorded)."""
    issuer = ca.issuer_of(cert)
    if issuer is None:
        return  # another CA's (a PKCS#12 firm key): not ours to answer for
    await uow.repo(CaRepository).register(
        CaCertificate(
            serial=serial_hex(cert),
            issuer_key_id=issuer.key_id.hex(),
            kind=kind,
            subject=cert.subject.rfc4514_string()[:500],
            not_after=cert.not_valid_after_utc,
            certificate_pem=cert_pem(cert).decode(),
        )
    )


async def register_own(uow: UnitOfWork, *, pki: Pki, firm: Firm) -> None:
    """Record the firm's and the TSA's current certificates that the internal CA issued (at
    start-up and each sweep)."""
    cert = own_signer(firm.signer()).signing_cert
    if cert is not None and issued_by(pki.ca, cert):
        await register(uow, ca=pki.ca, cert=to_crypto(cert), kind="firm")
    tsa = pki.tsa_certificate()
    if tsa is not None:
        await register(uow, ca=pki.ca, cert=tsa, kind="tsa")


def _revocation(row: CaCertificate) -> Revocation:
    assert row.revoked_at is not None and row.revocation_reason is not None
    return Revocation(
        serial=int(row.serial, 16),
        revoked_at=row.revoked_at,
        reason=row.revocation_reason,
        invalidity_date=row.invalidity_date,
    )


async def refresh_revocations(uow: UnitOfWork, ca: CertificateAuthority) -> None:
    """Load what is revoked into the CA, so its CRLs, OCSP and signing see it at once.

    Read on every signature and every CRL/OCSP answer: a revocation made through another
    replica counts here from its commit on.
    """
    rows = await uow.repo(CaRepository).revoked()
    ca.set_revocations(
        [(bytes.fromhex(r.issuer_key_id), _revocation(r)) for r in rows], version=len(rows)
    )


async def certificate(uow: UnitOfWork, *, serial: str, lock: bool = False) -> CaCertificate:
    """Return the registered certificate with this serial (hex), or answer 404."""
    normal = serial.strip().lower().removeprefix("0x").lstrip("0") or "0"
    try:
        int(normal, 16)
    except ValueError:
        raise errors.SerialInvalid() from None
    rows = await uow.repo(CaRepository).by_serial(normal, lock=lock)
    if not rows:
        raise errors.CertificateNotFound()
    if len(rows) > 1:  # the same serial from two issuing CAs: vanishingly unlikely (random)
        raise errors.SerialAmbiguous()
    return rows[0]


async def revoke(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ca: CertificateAuthority | None,
    serial: str,
    reason: Reason,
    invalidity_date: dt.datetime | None = None,
    comment: str | None = None,
) -> CaCertificate:
    """Revoke a signer's or the firm's certificate; the CRL and OCSP list it at once.

    ``ca`` is this process's CA, if it serves CRLs and OCSP (the CLI has none to update).
    """
    if reason not in REASONS:
        raise errors.Invalid(
            f"The reason must be one of {', '.join(REASONS)}",
            "吊销原因须为 identity_false、key_compromise 或 superseded",
            code="revocation_reason_invalid",
        )
    row = await certificate(uow, serial=serial, lock=True)
    if row.revoked_at is not None:
        raise errors.CertificateAlreadyRevoked(
            details={"revoked_at": row.revoked_at.isoformat(), "reason": row.revocation_reason}
        )
    now = dt.datetime.now(dt.UTC)
    if invalidity_date is not None:
        if invalidity_date.tzinfo is None:
            raise errors.InvalidityDateInvalid()
        if invalidity_date > now:
            raise errors.InvalidityDateInvalid(
                "The invalidity date cannot be in the future", "失效时间不能晚于当前时间"
            )
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    row.revoked_at, row.revocation_reason = now, reason
    row.invalidity_date, row.revoked_by = invalidity_date, actor.id
    row.revocation_comment = comment[:500] if comment else None
    after = {
        "serial": row.serial,
        "kind": row.kind,
        "subject": _common_name(cert),
        "reason": reason,
        "invalidity_date": invalidity_date.isoformat() if invalidity_date else None,
        "comment": row.revocation_comment,
    }
    uow.record(
        AuditFact(
            actor=actor,
            action="certificate.revoked",
            object_type="certificate",
            object_id=row.serial,
            before={"revoked": False},
            after=after,
        )
    )
    uow.record(
        CertificateRevoked(
            source=uow.source,
            subject=row.serial,
            data=CertificateRevokedData(
                serial=row.serial,
                issuer=cert.issuer.rfc4514_string(),
                kind=row.kind,  # type: ignore[arg-type]
                subject_name=_common_name(cert),
                reason=reason,
                revoked_at=now,
                invalidity_date=invalidity_date,
            ),
        )
    )
    await uow.commit()
    if ca is not None:  # this replica's CRL and OCSP, right now (others read it as they answer)
        await refresh_revocations(uow, ca)
    return row


async def ocsp_answer(uow: UnitOfWork, *, ca: CertificateAuthority, request_der: bytes) -> bytes:
    """Answer an OCSP request from the register: revoked, good (issued here) or unknown."""
    await refresh_revocations(uow, ca)
    try:
        serial = ocsp.load_der_ocsp_request(request_der).serial_number
    except ValueError:
        serial = None  # the CA answers malformedRequest
    issuers: set[bytes] = set()
    if serial is not None:
        rows = await uow.repo(CaRepository).by_serial(format(serial, "x"))
        issuers = {bytes.fromhex(r.issuer_key_id) for r in rows}
    return ca.ocsp_answer(request_der, is_known=lambda kid, _serial: kid in issuers)


async def crl_der(uow: UnitOfWork, *, ca: CertificateAuthority, generation: int) -> bytes:
    """Return an issuing CA's current CRL, with every revocation committed so far."""
    if ca.generation(generation) is None:
        raise errors.CrlNotFound()
    await refresh_revocations(uow, ca)
    return ca.crl_der(generation)


def current_key_id(ca: CertificateAuthority) -> str:
    """Return the current issuing CA's key id (hex)."""
    return key_id(ca.issuing).hex()
