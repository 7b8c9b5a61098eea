"""Paper letters after approval: printed, then mailed and received, or ready and picked up."""

from __future__ import annotations

from typing import Any

from lexseal_events import (
    CloudEvent,
    LetterDeliveryData,
    LetterMailed,
    LetterPickedUp,
    LetterPrinted,
    LetterReadyForPickup,
    LetterReceived,
)
from servicekit.auth import Principal
from servicekit.uow import UnitOfWork

from ..adapters.tables import Letter
from ..domain import letters as rules
from ..domain.errors import TrackingRequired
from ..domain.letters import Status
from .common import load_letter, touch

_EVENTS: dict[Status, type[CloudEvent]] = {
    Status.PRINTED: LetterPrinted,
    Status.MAILED: LetterMailed,
    Status.READY_FOR_PICKUP: LetterReadyForPickup,
    Status.RECEIVED: LetterReceived,
    Status.PICKED_UP: LetterPickedUp,
}


async def record_step(
    uow: UnitOfWork,
    *,
    user: Principal,
    letter_id: str,
    target: Status,
    courier: str = "",
    tracking_no: str = "",
) -> Letter:
    """Record that a paper letter was printed, mailed, made ready, received or picked up."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True)
    rules.next_paper_status(
        kind=letter.kind,
        status=letter.status,
        delivery=letter.delivery,
        target=target,
    )
    if target is Status.MAILED:
        if not courier.strip() or not tracking_no.strip():
            raise TrackingRequired()
        letter.courier = courier.strip()
        letter.tracking_no = tracking_no.strip()
    before = letter.audit_snapshot()
    letter.status = target
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action=f"letter.{target.value}",
        before=before,
    )
    event_cls: Any = _EVENTS[target]
    letter.record_event(
        event_cls(
            source=uow.source,
            subject=letter.id,
            data=LetterDeliveryData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                number=letter.number or "",
                actor_id=user.id,
                courier=letter.courier,
                tracking_no=letter.tracking_no,
            ),
        )
    )
    await uow.commit()
    return letter
