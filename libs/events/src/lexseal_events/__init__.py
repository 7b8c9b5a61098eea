"""lexseal's published events: one discriminated union, parsed in one call."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from .common import DocumentRef, ScanWarning, SignerInfo, SignerKind
from .contract import (
    ContractSubmitted,
    ContractSubmittedData,
    ContractWithdrawn,
    ContractWithdrawnData,
)
from .envelope import SPEC_VERSION, CloudEvent, Payload
from .letters import (
    LetterApproved,
    LetterApprovedData,
    LetterDeliveryData,
    LetterMailed,
    LetterPickedUp,
    LetterPrinted,
    LetterReadyForPickup,
    LetterReceived,
    LetterRejected,
    LetterRejectedData,
    LetterSealed,
    LetterSealedData,
    LetterShared,
    LetterSharedData,
    LetterSubmitted,
    LetterSubmittedData,
    LetterWithdrawn,
    LetterWithdrawnData,
)
from .review import ReviewApproved, ReviewApprovedData, ReviewRejected, ReviewRejectedData
from .signing import (
    CertificateRevoked,
    CertificateRevokedData,
    Completed,
    CompletedData,
    CounterpartySigned,
    CounterpartySignedData,
    Declined,
    DeclinedData,
    DocumentSealed,
    DocumentSealedData,
    EnvelopePrepared,
    EnvelopePreparedData,
    Expired,
    ExpiredData,
    InvitationCreated,
    InvitationCreatedData,
    SealFailed,
    SealFailedData,
    SignerVerified,
    SignerVerifiedData,
    SmsRequested,
    SmsRequestedData,
    Voided,
    VoidedData,
)

ALL_EVENTS: tuple[type[CloudEvent], ...] = (
    ContractSubmitted,
    ContractWithdrawn,
    ReviewApproved,
    ReviewRejected,
    EnvelopePrepared,
    InvitationCreated,
    SignerVerified,
    CounterpartySigned,
    Declined,
    Voided,
    Expired,
    Completed,
    DocumentSealed,
    SealFailed,
    CertificateRevoked,
    SmsRequested,
    LetterSubmitted,
    LetterApproved,
    LetterRejected,
    LetterWithdrawn,
    LetterSealed,
    LetterPrinted,
    LetterMailed,
    LetterReadyForPickup,
    LetterReceived,
    LetterPickedUp,
    LetterShared,
)

# What partners receive (webhooks, the `lexseal.partner` exchange), masked: every event but the
# SMS requests, which carry a counterparty's full number and perhaps a one-time code.
PARTNER_EVENTS: tuple[type[CloudEvent], ...] = tuple(e for e in ALL_EVENTS if e is not SmsRequested)
PARTNER_EVENT_TYPES: frozenset[str] = frozenset(
    str(e.model_fields["type"].default) for e in PARTNER_EVENTS
)

EVENT_TYPES: dict[str, type[CloudEvent]] = {
    cls.model_fields["type"].default: cls for cls in ALL_EVENTS
}

AnyEvent = Annotated[
    ContractSubmitted
    | ContractWithdrawn
    | ReviewApproved
    | ReviewRejected
    | EnvelopePrepared
    | InvitationCreated
    | SignerVerified
    | CounterpartySigned
    | Declined
    | Voided
    | Expired
    | Completed
    | DocumentSealed
    | SealFailed
    | CertificateRevoked
    | SmsRequested
    | LetterSubmitted
    | LetterApproved
    | LetterRejected
    | LetterWithdrawn
    | LetterSealed
    | LetterPrinted
    | LetterMailed
    | LetterReadyForPickup
    | LetterReceived
    | LetterPickedUp
    | LetterShared,
    Field(discriminator="type"),
]

_adapter: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


class UnknownEventType(ValueError):
    """The message names an event type this version of the schemas does not know."""

    def __init__(self, event_type: object) -> None:
        super().__init__(f"unknown event type: {event_type!r}")
        self.event_type = event_type


class InvalidEvent(ValueError):
    """The message is not a valid lexseal CloudEvent."""


def parse_event(raw: bytes | str | dict[str, Any]) -> AnyEvent:
    """Parse a JSON message (bytes, str or dict) into its typed event."""
    try:
        if isinstance(raw, dict):
            event_type = raw.get("type")
            if event_type not in EVENT_TYPES:
                raise UnknownEventType(event_type)
            return _adapter.validate_python(raw)
        return _adapter.validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e.get("type") == "union_tag_invalid" for e in errors):
            import json

            try:
                event_type = json.loads(raw).get("type") if not isinstance(raw, dict) else None
            except (ValueError, AttributeError):
                event_type = None
            raise UnknownEventType(event_type) from None
        raise InvalidEvent(str(exc)) from exc


__all__ = [
    "ALL_EVENTS",
    "EVENT_TYPES",
    "PARTNER_EVENTS",
    "PARTNER_EVENT_TYPES",
    "SPEC_VERSION",
    "AnyEvent",
    "CertificateRevoked",
    "CertificateRevokedData",
    "CloudEvent",
    "Completed",
    "CompletedData",
    "ContractSubmitted",
    "ContractSubmittedData",
    "ContractWithdrawn",
    "ContractWithdrawnData",
    "CounterpartySigned",
    "CounterpartySignedData",
    "Declined",
    "DeclinedData",
    "DocumentRef",
    "DocumentSealed",
    "DocumentSealedData",
    "EnvelopePrepared",
    "EnvelopePreparedData",
    "Expired",
    "ExpiredData",
    "InvalidEvent",
    "InvitationCreated",
    "InvitationCreatedData",
    "LetterApproved",
    "LetterApprovedData",
    "LetterDeliveryData",
    "LetterMailed",
    "LetterPickedUp",
    "LetterPrinted",
    "LetterReadyForPickup",
    "LetterReceived",
    "LetterRejected",
    "LetterRejectedData",
    "LetterSealed",
    "LetterSealedData",
    "LetterShared",
    "LetterSharedData",
    "LetterSubmitted",
    "LetterSubmittedData",
    "LetterWithdrawn",
    "LetterWithdrawnData",
    "Payload",
    "ReviewApproved",
    "ReviewApprovedData",
    "ReviewRejected",
    "ReviewRejectedData",
    "ScanWarning",
    "SealFailed",
    "SealFailedData",
    "SignerInfo",
    "SignerKind",
    "SignerVerified",
    "SignerVerifiedData",
    "SmsRequested",
    "SmsRequestedData",
    "UnknownEventType",
    "Voided",
    "VoidedData",
    "parse_event",
]
