"""Where an envelope, a signer and a signer's challenges stand. The database columns keep
the values (VARCHAR, as the migrations made them); rows read them back as these members."""

from __future__ import annotations

from enum import StrEnum


class EnvelopeStatus(StrEnum):
    PREPARED = "prepared"  # open: invitations out, signatures being collected
    COMPLETED = "completed"  # the firm signed last
    VOIDED = "voided"
    DECLINED = "declined"
    EXPIRED = "expired"


class SignerStatus(StrEnum):
    PENDING = "pending"
    ID_CHECKED = "id_checked"  # name and ID (or company) match; face or deposit next
    VERIFIED = "verified"
    SIGNED = "signed"
    DECLINED = "declined"


class SignerKind(StrEnum):
    FIRM = "firm"
    INDIVIDUAL = "individual"
    ENTERPRISE = "enterprise"


class ChallengeStatus(StrEnum):
    """A code the signer types: a deposit amount or an SMS code (`used`: SMS only)."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    VOIDED = "voided"  # expired, or replaced by a new one
    FAILED = "failed"  # too many wrong entries
    USED = "used"  # a confirmed SMS code spent on its signature


class FaceStatus(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"
