"""Events published by the letters service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from .common import DocumentRef
from .envelope import CloudEvent, Payload

LetterKind = Literal["electronic", "paper"]


class LetterRef(Payload):
    letter_id: str
    owner_id: str
    kind: LetterKind


class LetterSubmittedData(LetterRef):
    owner_name: str
    letter_type: str
    case_serial_no: str
    cause_of_action: str
    recipient_org: str
    letter_date: date


class LetterSubmitted(CloudEvent):
    """A lawyer submitted a letter application for approval."""

    type: Literal["letter.submitted"] = "letter.submitted"
    data: LetterSubmittedData


class LetterApprovedData(LetterRef):
    number: str
    approver_id: str
    letter_type: str
    # the rendered, unsealed letter for the signing service to seal (claim-check)
    document: DocumentRef
    # the letter type seals across every page's right edge as well (骑缝章)
    cross_page_seal: bool = False


class LetterApproved(CloudEvent):
    """The letter administrator approved a letter and it received its number."""

    type: Literal["letter.approved"] = "letter.approved"
    data: LetterApprovedData


class LetterRejectedData(LetterRef):
    approver_id: str
    reason: str


class LetterRejected(CloudEvent):
    """The letter administrator rejected a letter, with the reason."""

    type: Literal["letter.rejected"] = "letter.rejected"
    data: LetterRejectedData


class LetterWithdrawnData(LetterRef):
    actor_id: str


class LetterWithdrawn(CloudEvent):
    """The applicant withdrew a letter application."""

    type: Literal["letter.withdrawn"] = "letter.withdrawn"
    data: LetterWithdrawnData


class LetterSealedData(LetterRef):
    number: str
    document: DocumentRef
    verify_code: str
    verify_url: str


class LetterSealed(CloudEvent):
    """The approved letter carries the firm's seal and signature."""

    type: Literal["letter.sealed"] = "letter.sealed"
    data: LetterSealedData


class LetterDeliveryData(LetterRef):
    number: str
    actor_id: str
    courier: str | None = None
    tracking_no: str | None = None


class LetterPrinted(CloudEvent):
    """A paper letter was printed."""

    type: Literal["letter.printed"] = "letter.printed"
    data: LetterDeliveryData


class LetterMailed(CloudEvent):
    """A paper letter was handed to a courier (courier + tracking number)."""

    type: Literal["letter.mailed"] = "letter.mailed"
    data: LetterDeliveryData


class LetterReadyForPickup(CloudEvent):
    """A paper letter waits for the lawyer to pick it up."""

    type: Literal["letter.ready_for_pickup"] = "letter.ready_for_pickup"
    data: LetterDeliveryData


class LetterReceived(CloudEvent):
    """A mailed paper letter was received."""

    type: Literal["letter.received"] = "letter.received"
    data: LetterDeliveryData


class LetterPickedUp(CloudEvent):
    """A paper letter was picked up."""

    type: Literal["letter.picked_up"] = "letter.picked_up"
    data: LetterDeliveryData


class LetterSharedData(LetterRef):
    share_id: str
    expires_at: datetime


class LetterShared(CloudEvent):
    """The applicant created a share link for the recipient."""

    type: Literal["letter.shared"] = "letter.shared"
    data: LetterSharedData
