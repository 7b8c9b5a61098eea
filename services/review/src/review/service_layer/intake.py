"""Use cases driven by contract events: open a round on submission, close it on withdrawal."""

from __future__ import annotations

from lexseal_events import ContractSubmitted, ContractWithdrawn
from servicekit.db import utcnow
from servicekit.uow import SYSTEM, UnitOfWork

from ..adapters.repository import RoundRepository
from ..adapters.tables import ReviewRound
from ..domain.rounds import RoundState, close
from .common import status_of


def _close(row: ReviewRound, *, to: RoundState, reason: str) -> None:
    before = row.audit_snapshot()
    new = close(status_of(row), to=to)
    if new.state == row.state:
        return
    row.state = new.state
    row.closed_at = utcnow()
    row.close_reason = reason[:300]
    row.record_audit(actor=SYSTEM, action=f"review.{to.value}", before=before)


async def open_round(uow: UnitOfWork, event: ContractSubmitted) -> None:
    """Queue a new review round; an earlier open round of the same contract is superseded."""
    d = event.data
    repo = uow.repo(RoundRepository)
    existing = await repo.for_contract(d.contract_id, for_update=True)
    newer = [r for r in existing if r.round > d.round]
    row = ReviewRound(
        contract_id=d.contract_id,
        round=d.round,
        owner_id=d.owner_id,
        owner_name=d.owner_name,
        title=d.title,
        state=RoundState.PENDING,
        submission=d.model_dump_json(),
        event_id=event.id,
        queued_at=event.time,
    )
    if newer:
        # Events can arrive out of order: a late older submission is history, never work.
        row.state = RoundState.SUPERSEDED
        row.closed_at = utcnow()
        row.close_reason = f"round {newer[0].round} was submitted later"
    repo.add(row)
    for r in existing:
        if r.round <= d.round:
            _close(r, to=RoundState.SUPERSEDED, reason=f"resubmitted as round {d.round}")
    row.record_audit(actor=SYSTEM, action="review.queued")


async def withdraw_round(uow: UnitOfWork, event: ContractWithdrawn) -> None:
    """Close the contract's open round: the lawyer withdrew the application."""
    d = event.data
    for row in await uow.repo(RoundRepository).open_for_contract(d.contract_id):
        if row.round <= d.round:
            _close(row, to=RoundState.WITHDRAWN, reason=d.reason or "withdrawn by the applicant")
