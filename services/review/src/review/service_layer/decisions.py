"""Use cases of a reviewer: claim, release, approve, reject."""

from __future__ import annotations

import json
from collections.abc import Sequence

from lexseal_events import ReviewApproved, ReviewApprovedData, ReviewRejected, ReviewRejectedData
from servicekit.auth import ADMIN, Principal
from servicekit.db import utcnow
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.repository import RoundRepository
from ..adapters.tables import ReviewRound
from ..domain import rounds
from ..domain.checklist import check_confirmations, check_reasons, checklist_for
from .common import status_of, submission_of


async def _locked(uow: UnitOfWork, round_id: str) -> ReviewRound:
    row = await uow.repo(RoundRepository).get(round_id, for_update=True)
    if row is None:
        raise NotFound("Review item not found", "审核事项不存在", code="review_not_found")
    return row


async def claim(uow: UnitOfWork, *, user: Principal, round_id: str) -> ReviewRound:
    """Take a pending round into review."""
    row = await _locked(uow, round_id)
    before = row.audit_snapshot()
    new = rounds.claim(status_of(row), reviewer_id=user.id)
    if row.state == new.state and row.claimed_by == new.claimed_by:
        return row
    row.state, row.claimed_by = new.state, new.claimed_by
    row.claimed_by_name, row.claimed_at = user.display_name, utcnow()
    row.record_audit(actor=user.actor, action="review.claimed", before=before)
    await uow.commit()
    return row


async def release(uow: UnitOfWork, *, user: Principal, round_id: str) -> ReviewRound:
    """Put a claimed round back in the pending queue (its reviewer, or an admin)."""
    row = await _locked(uow, round_id)
    before = row.audit_snapshot()
    new = rounds.release(status_of(row), reviewer_id=user.id, force=user.has(ADMIN))
    row.state, row.claimed_by, row.claimed_by_name, row.claimed_at = new.state, None, None, None
    row.record_audit(actor=user.actor, action="review.released", before=before)
    await uow.commit()
    return row


async def approve(
    uow: UnitOfWork,
    *,
    user: Principal,
    round_id: str,
    confirmations: Sequence[str],
    comment: str | None,
) -> ReviewRound:
    """Approve a claimed round once every checklist item is confirmed; publish review.approved."""
    row = await _locked(uow, round_id)
    before = row.audit_snapshot()
    sub = submission_of(row)
    new = rounds.decide(status_of(row), reviewer_id=user.id, approve=True)
    check_confirmations(checklist_for(sub), confirmations)
    _decided(row, user=user, state=new.state, comment=comment)
    row.confirmations = json.dumps(sorted(set(confirmations)))
    row.record_audit(actor=user.actor, action="review.approved", before=before)
    row.record_event(
        ReviewApproved(
            source=uow.source,
            subject=row.contract_id,
            data=ReviewApprovedData(
                contract_id=row.contract_id,
                review_id=row.id,
                round=row.round,
                reviewer_id=user.id,
                reviewer_name=user.display_name,
                owner_id=row.owner_id,
                title=row.title,
                document=sub.document,
                signers=sub.signers,
                comment=row.comment,
                cross_page_seal=sub.cross_page_seal,
            ),
        )
    )
    await uow.commit()
    return row


async def reject(
    uow: UnitOfWork,
    *,
    user: Principal,
    round_id: str,
    reasons: Sequence[str],
    comment: str | None,
    allowed: Sequence[str],
) -> ReviewRound:
    """Reject a claimed round with reason codes and a comment; publish review.rejected."""
    row = await _locked(uow, round_id)
    before = row.audit_snapshot()
    new = rounds.decide(status_of(row), reviewer_id=user.id, approve=False)
    codes = check_reasons(reasons, allowed=allowed, comment=comment)
    _decided(row, user=user, state=new.state, comment=comment)
    row.reasons = json.dumps(codes)
    row.record_audit(actor=user.actor, action="review.rejected", before=before)
    row.record_event(
        ReviewRejected(
            source=uow.source,
            subject=row.contract_id,
            data=ReviewRejectedData(
                contract_id=row.contract_id,
                review_id=row.id,
                round=row.round,
                reviewer_id=user.id,
                reviewer_name=user.display_name,
                owner_id=row.owner_id,
                title=row.title,
                reasons=codes,
                comment=row.comment,
            ),
        )
    )
    await uow.commit()
    return row


def _decided(row: ReviewRound, *, user: Principal, state: str, comment: str | None) -> None:
    row.state = state
    row.decided_by, row.decided_by_name = user.id, user.display_name
    row.closed_at = utcnow()
    row.comment = (comment or "").strip() or None
