"""A review round's state machine: pending → claimed → approved | rejected, and the exits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from servicekit.domain import Conflict, Forbidden


class RoundState(StrEnum):
    """Where a review round stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({RoundState.PENDING, RoundState.CLAIMED})
DECIDED = frozenset({RoundState.APPROVED, RoundState.REJECTED})

# The queue's three views and the round states each one shows.
QUEUE_VIEWS: dict[str, frozenset[RoundState]] = {
    "pending": frozenset({RoundState.PENDING}),
    "in_review": frozenset({RoundState.CLAIMED}),
    "decided": DECIDED,
}


class RoundWithdrawn(Conflict):
    code = "round_withdrawn"
    message_en = "The application was withdrawn"
    message_zh = "申请已撤回，无法审核"


class RoundSuperseded(Conflict):
    code = "round_superseded"
    message_en = "A newer submission replaced this round"
    message_zh = "该轮已被重新提交的申请取代"


class RoundAlreadyDecided(Conflict):
    code = "round_already_decided"
    message_en = "This round has already been decided"
    message_zh = "该轮审核已有结论"


class SelfReviewForbidden(Forbidden):
    code = "self_review_forbidden"
    message_en = "You cannot review an application you submitted"
    message_zh = "不能审核自己提交的申请"


class RoundNotClaimed(Conflict):
    code = "round_not_claimed"
    message_en = "This round is not claimed"
    message_zh = "该申请尚未被领取"


class ClaimedByOther(Conflict):
    code = "round_claimed_by_other"
    message_en = "Another reviewer is reviewing this round"
    message_zh = "该申请已由其他审核人领取"

    def __init__(self, claimed_by: str | None) -> None:
        super().__init__(details={"claimed_by": claimed_by})


@dataclass(frozen=True)
class RoundStatus:
    """The part of a round the rules look at."""

    state: RoundState
    owner_id: str
    claimed_by: str | None = None


def _require_open(status: RoundStatus) -> None:
    if status.state == RoundState.WITHDRAWN:
        raise RoundWithdrawn()
    if status.state == RoundState.SUPERSEDED:
        raise RoundSuperseded()
    if status.state in DECIDED:
        raise RoundAlreadyDecided()


def check_not_own(status: RoundStatus, *, reviewer_id: str) -> None:
    """Refuse a reviewer who submitted the application themselves."""
    if status.owner_id == reviewer_id:
        raise SelfReviewForbidden()


def claim(status: RoundStatus, *, reviewer_id: str) -> RoundStatus:
    """Return the round claimed by `reviewer_id` (re-claiming one's own is a no-op)."""
    check_not_own(status, reviewer_id=reviewer_id)
    _require_open(status)
    if status.state == RoundState.CLAIMED and status.claimed_by != reviewer_id:
        raise ClaimedByOther(status.claimed_by)
    return RoundStatus(state=RoundState.CLAIMED, owner_id=status.owner_id, claimed_by=reviewer_id)


def release(status: RoundStatus, *, reviewer_id: str, force: bool = False) -> RoundStatus:
    """Return the round back in the pending queue; only its claimer (or `force`) may release it."""
    _require_open(status)
    if status.state != RoundState.CLAIMED:
        raise RoundNotClaimed()
    if status.claimed_by != reviewer_id and not force:
        raise ClaimedByOther(status.claimed_by)
    return RoundStatus(state=RoundState.PENDING, owner_id=status.owner_id)


def decide(status: RoundStatus, *, reviewer_id: str, approve: bool) -> RoundStatus:
    """Return the round approved or rejected by the reviewer who claimed it."""
    check_not_own(status, reviewer_id=reviewer_id)
    _require_open(status)
    if status.state != RoundState.CLAIMED:
        raise RoundNotClaimed("Claim the round before deciding it", "请先领取该申请再作出审核结论")
    if status.claimed_by != reviewer_id:
        raise ClaimedByOther(status.claimed_by)
    state = RoundState.APPROVED if approve else RoundState.REJECTED
    return RoundStatus(state=state, owner_id=status.owner_id, claimed_by=reviewer_id)


def close(status: RoundStatus, *, to: RoundState) -> RoundStatus:
    """Return the round superseded or withdrawn if still open; a decided round stays as it is."""
    if to not in (RoundState.SUPERSEDED, RoundState.WITHDRAWN):
        raise ValueError(f"cannot close a round as {to}")
    if status.state not in OPEN:
        return status
    return RoundStatus(state=to, owner_id=status.owner_id, claimed_by=status.claimed_by)
