"""Use cases that read: the queue, one item with its checklist and history, a contract's rounds."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.auth import ADMIN, RISK_CONTROL, Principal
from servicekit.errors import Invalid, NotFound
from servicekit.uow import UnitOfWork

from ..adapters.repository import RoundRepository, decode_cursor, encode_cursor
from ..adapters.tables import ReviewRound
from ..domain.rounds import QUEUE_VIEWS

_SORT = {"pending": "queued_at", "in_review": "claimed_at", "decided": "closed_at"}


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    rows: list[ReviewRound]
    count: int
    next_cursor: str | None


async def queue(uow: UnitOfWork, *, view: str, cursor: str | None, limit: int) -> QueuePage:
    """Return one page of a queue view: pending oldest-waiting first, the others newest first."""
    states = QUEUE_VIEWS[view]
    after = None
    if cursor:
        after = decode_cursor(cursor)
        if after is None:
            raise Invalid("Invalid cursor", "分页游标无效", code="invalid_cursor")
    sort = _SORT[view]
    repo = uow.repo(RoundRepository)
    rows = await repo.queue(
        states=states, sort=sort, oldest_first=view == "pending", after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(getattr(last, sort), last.id) if more and last else None
    return QueuePage(rows=rows, count=await repo.count(states=states), next_cursor=next_cursor)


def _may_read(user: Principal, row: ReviewRound) -> bool:
    return user.has(RISK_CONTROL, ADMIN) or row.owner_id == user.id


async def item(
    uow: UnitOfWork, *, user: Principal, round_id: str
) -> tuple[ReviewRound, list[ReviewRound]]:
    """Return one round and every round of its contract (risk control, admin, or the applicant)."""
    repo = uow.repo(RoundRepository)
    row = await repo.get(round_id)
    if row is None or not _may_read(user, row):
        raise NotFound("Review item not found", "审核事项不存在", code="review_not_found")
    return row, await repo.for_contract(row.contract_id)


async def contract_rounds(
    uow: UnitOfWork, *, user: Principal, contract_id: str
) -> list[ReviewRound]:
    """Return a contract's rounds, newest first (risk control, admin, or the applicant)."""
    rows = await uow.repo(RoundRepository).for_contract(contract_id)
    if not rows or not _may_read(user, rows[0]):
        raise NotFound(
            "No review rounds for this contract", "该合同没有审核记录", code="review_not_found"
        )
    return rows
