"""The letter application's life: statuses, who may move it where, and the letter-date rule."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from .errors import (
    DeliveryNotForElectronic,
    InvalidTransition,
    LetterDateInPast,
    LetterIncomplete,
    MailAddressRequired,
    NotEditable,
    SelfApprovalForbidden,
    WrongDeliveryMethod,
)


class Kind(StrEnum):
    ELECTRONIC = "electronic"
    PAPER = "paper"


class Delivery(StrEnum):
    PICKUP = "pickup"
    MAIL = "mail"


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPROVED = "approved"
    SEALED = "sealed"
    PRINTED = "printed"
    MAILED = "mailed"
    READY_FOR_PICKUP = "ready_for_pickup"
    RECEIVED = "received"
    PICKED_UP = "picked_up"


class ShareState(StrEnum):
    """Where a share link is: working, past its expiry, or revoked by the applicant."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


EDITABLE = frozenset({Status.DRAFT, Status.REJECTED, Status.WITHDRAWN})
# After approval the number exists; these statuses carry an approved (and possibly sealed) letter.
APPROVED_OR_LATER = frozenset(
    {
        Status.APPROVED,
        Status.SEALED,
        Status.PRINTED,
        Status.MAILED,
        Status.READY_FOR_PICKUP,
        Status.RECEIVED,
        Status.PICKED_UP,
    }
)

# Paper letters after approval: (from, to, the delivery method the step belongs to or None).
_PAPER_STEPS: dict[Status, tuple[frozenset[Status], Delivery | None]] = {
    Status.PRINTED: (frozenset({Status.APPROVED}), None),
    Status.MAILED: (frozenset({Status.PRINTED}), Delivery.MAIL),
    Status.READY_FOR_PICKUP: (frozenset({Status.PRINTED}), Delivery.PICKUP),
    Status.RECEIVED: (frozenset({Status.MAILED}), Delivery.MAIL),
    Status.PICKED_UP: (frozenset({Status.READY_FOR_PICKUP}), Delivery.PICKUP),
}


def ensure_editable(status: Status) -> None:
    """Refuse changes to a letter that is waiting for or past approval."""
    if status not in EDITABLE:
        raise NotEditable(details={"status": status.value})


def check_letter_date(*, letter_date: date, today: date, past_allowed: bool) -> None:
    """Refuse a letter date before today unless the administrator allowed it."""
    if letter_date < today and not past_allowed:
        raise LetterDateInPast(
            details={"letter_date": letter_date.isoformat(), "today": today.isoformat()}
        )


def check_submittable(
    *,
    status: Status,
    kind: Kind,
    has_content: bool,
    delivery: Delivery | None,
    has_mail_address: bool,
) -> None:
    """Refuse to submit a letter that is not editable or misses what approval needs."""
    if status not in EDITABLE:
        raise InvalidTransition(details={"status": status.value, "action": "submit"})
    missing: list[str] = []
    if not has_content:
        missing.append("content")
    if kind is Kind.PAPER and delivery is None:
        missing.append("delivery")
    if missing:
        raise LetterIncomplete(details={"missing": missing})
    if kind is Kind.PAPER and delivery is Delivery.MAIL and not has_mail_address:
        raise MailAddressRequired()


def check_delivery_allowed(kind: Kind) -> None:
    """Refuse a delivery method on an electronic letter."""
    if kind is not Kind.PAPER:
        raise DeliveryNotForElectronic()


def check_withdrawable(status: Status) -> None:
    """Only a submitted letter, not yet decided, can be withdrawn."""
    if status is not Status.SUBMITTED:
        raise InvalidTransition(details={"status": status.value, "action": "withdraw"})


def check_decidable(*, status: Status, owner_id: str, approver_id: str) -> None:
    """Refuse a decision on a letter not waiting for one, or by its own applicant."""
    if owner_id == approver_id:
        raise SelfApprovalForbidden()
    if status is not Status.SUBMITTED:
        raise InvalidTransition(details={"status": status.value, "action": "decide"})


def check_past_date_grantable(*, status: Status, owner_id: str, granter_id: str) -> None:
    """Refuse the past-date exception on one's own letter, or once the letter is decided."""
    if owner_id == granter_id:
        raise SelfApprovalForbidden(details={"action": "allow_past_date"})
    if status not in EDITABLE and status is not Status.SUBMITTED:
        raise InvalidTransition(details={"status": status.value, "action": "allow_past_date"})


def status_after_sealing(*, kind: Kind, status: Status) -> Status:
    """Return the status once the firm's seal is on the letter (electronic letters: sealed)."""
    if kind is Kind.ELECTRONIC and status is Status.APPROVED:
        return Status.SEALED
    return status


def next_paper_status(
    *, kind: Kind, status: Status, delivery: Delivery | None, target: Status
) -> Status:
    """Return `target` if a paper letter may move there now; raise otherwise."""
    step = _PAPER_STEPS.get(target)
    if kind is not Kind.PAPER or step is None:
        raise InvalidTransition(details={"status": status.value, "action": target.value})
    sources, method = step
    if method is not None and delivery is not method:
        raise WrongDeliveryMethod(
            details={"delivery": delivery.value if delivery else None, "action": target.value}
        )
    if status not in sources:
        raise InvalidTransition(details={"status": status.value, "action": target.value})
    return target
