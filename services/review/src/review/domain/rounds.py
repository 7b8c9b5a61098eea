"""A review round's state machine: pending → claimed → approved | rejected, and the exits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


class RuleBroken(Exception):
    """A review rule refuses the action; `kind` is 'conflict', 'forbidden' or 'invalid'."""

    def __init__(self, *, kind: str, code: str, en: str, zh: str, details: object = None) -> None:
        super().__init__(f"{code}: {en}")
        self.kind = kind
        self.code = code
        self.en = en
        self.zh = zh
        self.details = details


@dataclass(frozen=True)
class RoundStatus:
    """The part of a round the rules look at."""

    state: RoundState
    owner_id: str
    claimed_by: str | None = None


def _require_open(status: RoundStatus) -> None:
    if status.state == RoundState.WITHDRAWN:
        raise RuleBroken(
            kind="conflict",
            code="round_withdrawn",
            en="The application was withdrawn",
            zh="申请已撤回，无法审核",
        )
    if status.state == RoundState.SUPERSEDED:
        raise RuleBroken(
            kind="conflict",
            code="round_superseded",
            en="A newer submission replaced this round",
            zh="该轮已被重新提交的申请取代",
        )
    if status.state in DECIDED:
        raise RuleBroken(
            kind="conflict",
            code="round_already_decided",
            en="This round has already been decided",
            zh="该轮审核已有结论",
        )


def check_not_own(status: RoundStatus, *, reviewer_id: str) -> None:
    """Refuse a reviewer who submitted the application themselves."""
    if status.owner_id == reviewer_id:
        raise RuleBroken(
            kind="forbidden",
            code="self_review_forbidden",
            en="You cannot review an application you submitted",
            zh="不能审核自己提交的申请",
        )


def claim(status: RoundStatus, *, reviewer_id: str) -> RoundStatus:
    """Return the round claimed by `reviewer_id` (re-claiming one's own is a no-op)."""
    check_not_own(status, reviewer_id=reviewer_id)
    _require_open(status)
    if status.state == RoundState.CLAIMED and status.claimed_by != reviewer_id:
        raise RuleBroken(
            kind="conflict",
            code="round_claimed_by_other",
            en="Another reviewer is reviewing this round",
            zh="该申请已由其他审核人领取",
            details={"claimed_by": status.claimed_by},
        )
    return RoundStatus(state=RoundState.CLAIMED, owner_id=status.owner_id, claimed_by=reviewer_id)


def release(status: RoundStatus, *, reviewer_id: str, force: bool = False) -> RoundStatus:
    """Return the round back in the pending queue; only its claimer (or `force`) may release it."""
    _require_open(status)
    if status.state != RoundState.CLAIMED:
        raise RuleBroken(
            kind="conflict",
            code="round_not_claimed",
            en="This round is not claimed",
            zh="该申请尚未被领取",
        )
    if status.claimed_by != reviewer_id and not force:
        raise RuleBroken(
            kind="conflict",
            code="round_claimed_by_other",
            en="Another reviewer is reviewing this round",
            zh="该申请已由其他审核人领取",
            details={"claimed_by": status.claimed_by},
        )
    return RoundStatus(state=RoundState.PENDING, owner_id=status.owner_id)


def decide(status: RoundStatus, *, reviewer_id: str, approve: bool) -> RoundStatus:
    """Return the round approved or rejected by the reviewer who claimed it."""
    check_not_own(status, reviewer_id=reviewer_id)
    _require_open(status)
    if status.state != RoundState.CLAIMED:
        raise RuleBroken(
            kind="conflict",
            code="round_not_claimed",
            en="Claim the round before deciding it",
            zh="请先领取该申请再作出审核结论",
        )
    if status.claimed_by != reviewer_id:
        raise RuleBroken(
            kind="conflict",
            code="round_claimed_by_other",
            en="Another reviewer is reviewing this round",
            zh="该申请已由其他审核人领取",
            details={"claimed_by": status.claimed_by},
        )
    state = RoundState.APPROVED if approve else RoundState.REJECTED
    return RoundStatus(state=state, owner_id=status.owner_id, claimed_by=reviewer_id)


def close(status: RoundStatus, *, to: RoundState) -> RoundStatus:
    """Return the round superseded or withdrawn if still open; a decided round stays as it is."""
    if to not in (RoundState.SUPERSEDED, RoundState.WITHDRAWN):
        raise ValueError(f"cannot close a round as {to}")
    if status.state not in OPEN:
        return status
    return RoundStatus(state=to, owner_id=status.owner_id, claimed_by=status.claimed_by)
