"""Events published by the signing service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .common import DocumentRef
from .envelope import CloudEvent, Payload


class EnvelopeRef(Payload):
    envelope_id: str
    contract_id: str
    owner_id: str


class EnvelopePreparedData(EnvelopeRef):
    verify_code: str
    document_sha256: str
    signer_ids: list[str]


class EnvelopePrepared(CloudEvent):
    """The approved document was fetched, QR-stamped and put in a signing envelope."""

    type: Literal["signing.envelope_prepared"] = "signing.envelope_prepared"
    data: EnvelopePreparedData


class InvitationCreatedData(EnvelopeRef):
    signer_id: str
    signer_name: str
    expires_at: datetime
    # the lawyer who sent it, by name (timelines show the person); additive
    invited_by_name: str | None = None


class InvitationCreated(CloudEvent):
    """A signer was sent a (new) invitation; any older one is void."""

    type: Literal["signing.invitation_created"] = "signing.invitation_created"
    data: InvitationCreatedData


class SignerVerifiedData(EnvelopeRef):
    signer_id: str
    signer_name: str
    method: Literal["face", "micro_deposit"]
    sandbox: bool


class SignerVerified(CloudEvent):
    """A counterparty signer passed identity verification."""

    type: Literal["signing.signer_verified"] = "signing.signer_verified"
    data: SignerVerifiedData


class CounterpartySignedData(EnvelopeRef):
    signer_id: str
    signer_name: str
    remaining_counterparties: int


class CounterpartySigned(CloudEvent):
    """A counterparty signer signed; when none remain, the firm may sign."""

    type: Literal["signing.counterparty_signed"] = "signing.counterparty_signed"
    data: CounterpartySignedData


class DeclinedData(EnvelopeRef):
    signer_id: str
    signer_name: str
    reason: str


class Declined(CloudEvent):
    """A signer declined to sign; the envelope is over."""

    type: Literal["signing.declined"] = "signing.declined"
    data: DeclinedData


class VoidedData(EnvelopeRef):
    actor_id: str
    reason: str | None = None


class Voided(CloudEvent):
    """The lawyer voided the envelope before completion."""

    type: Literal["signing.voided"] = "signing.voided"
    data: VoidedData


class ExpiredData(EnvelopeRef):
    expired_at: datetime


class Expired(CloudEvent):
    """The envelope lapsed before every signature was in."""

    type: Literal["signing.expired"] = "signing.expired"
    data: ExpiredData


class CompletedData(EnvelopeRef):
    document: DocumentRef
    verify_code: str
    verify_url: str
    firm_signer_id: str
    # who sealed for the firm, by name (the contract's timeline shows the person); additive
    firm_signer_name: str | None = None
    # the public gateway route of the evidence package (API key with `documents:read`); additive
    evidence_url: str | None = None


class Completed(CloudEvent):
    """The firm signed last; the signed PDF is final."""

    type: Literal["signing.completed"] = "signing.completed"
    data: CompletedData


class DocumentSealedData(Payload):
    kind: Literal["letter"]
    ref_id: str
    owner_id: str
    document: DocumentRef
    verify_code: str
    verify_url: str


class DocumentSealed(CloudEvent):
    """The firm's seal and signature were applied to a document another service asked for."""

    type: Literal["signing.document_sealed"] = "signing.document_sealed"
    data: DocumentSealedData


class SealFailedData(Payload):
    kind: Literal["letter"]
    ref_id: str
    owner_id: str
    code: str
    reason: str


class SealFailed(CloudEvent):
    """Sealing a document failed for a reason retrying will not fix."""

    type: Literal["signing.seal_failed"] = "signing.seal_failed"
    data: SealFailedData


class CertificateRevokedData(Payload):
    serial: str  # lowercase hex, as verification reports show it
    issuer: str  # the issuing CA's subject (RFC 4514)
    kind: Literal["individual", "enterprise", "firm", "tsa"]
    subject_name: str  # the certificate's common name; identifiers are never included
    reason: Literal["identity_false", "key_compromise", "superseded"]
    revoked_at: datetime
    # when the key was (or may have been) compromised, if earlier than the revocation
    invalidity_date: datetime | None = None


class CertificateRevoked(CloudEvent):
    """The internal CA revoked a certificate; its CRL and OCSP answers say so from now on."""

    type: Literal["signing.certificate_revoked"] = "signing.certificate_revoked"
    data: CertificateRevokedData


class SmsRequestedData(Payload):
    envelope_id: str
    # the full mobile number: this event is internal (notify sends it, partners never see it)
    to: str
    text: str
    purpose: Literal["intent_code", "reminder"]


class SmsRequested(CloudEvent):
    """Signing asks notify to send one SMS to a counterparty (a one-time code or a reminder).

    Internal: it carries the full number and may carry a one-time code, so notify sends it
    through its SMS port and never forwards it to partner webhooks.
    """

    type: Literal["signing.sms_requested"] = "signing.sms_requested"
    data: SmsRequestedData
