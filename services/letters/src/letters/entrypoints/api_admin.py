"""Thin HTTP routes of the letter administrator: queue, decisions, paper-letter steps."""

from __future__ import annotations

from fastapi import APIRouter, Response
from servicekit.app import UowDep
from servicekit.idempotency import Idempotent

from ..domain.letters import Status
from ..service_layer import approvals, paper
from ..service_layer.commands import Decision, MailedIn, Rejection
from .deps import Deps, FilterDep, LetterAdmin, Limit
from .schemas import LetterPublic, LettersPublic, decode_cursor, page_of

router = APIRouter(prefix="/api/letters", tags=["letters-admin"])


@router.get("/queue", response_model=LettersPublic)
async def queue(
    uow: UowDep, user: LetterAdmin, where: FilterDep, cursor: str | None = None, limit: Limit = 20
) -> LettersPublic:
    """List the letters waiting for approval, newest first."""
    rows = await approvals.queue(uow, where=where, after=decode_cursor(cursor), limit=limit + 1)
    return page_of(rows, limit=limit)


@router.post("/letters/{letter_id}/approve", response_model=LetterPublic)
async def approve(
    letter_id: str,
    uow: UowDep,
    deps: Deps,
    user: LetterAdmin,
    once: Idempotent,
    body: Decision | None = None,
) -> LetterPublic | Response:
    """Approve a letter: it receives its number and goes to be sealed."""

    async def act() -> LetterPublic:
        letter = await approvals.approve_letter(
            uow,
            settings=deps.settings,
            user=user,
            letter_id=letter_id,
            allow_past_letter_date=bool(body and body.allow_past_letter_date),
        )
        return LetterPublic.of(letter)

    return await once.run(uow, act)


@router.post("/letters/{letter_id}/reject", response_model=LetterPublic)
async def reject(letter_id: str, body: Rejection, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Reject a letter with the reason."""
    letter = await approvals.reject_letter(uow, user=user, letter_id=letter_id, reason=body.reason)
    return LetterPublic.of(letter)


@router.post("/letters/{letter_id}/allow-past-date", response_model=LetterPublic)
async def allow_past_date(letter_id: str, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Allow the letter to carry a letter date before today."""
    return LetterPublic.of(await approvals.allow_past_date(uow, user=user, letter_id=letter_id))


async def _step(uow: UowDep, user: LetterAdmin, letter_id: str, target: Status) -> LetterPublic:
    letter = await paper.record_step(uow, user=user, letter_id=letter_id, target=target)
    return LetterPublic.of(letter)


@router.post("/letters/{letter_id}/printed", response_model=LetterPublic)
async def printed(letter_id: str, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Record that the paper letter was printed."""
    return await _step(uow, user, letter_id, Status.PRINTED)


@router.post("/letters/{letter_id}/mailed", response_model=LetterPublic)
async def mailed(letter_id: str, body: MailedIn, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Record that the paper letter was handed to a courier."""
    letter = await paper.record_step(
        uow,
        user=user,
        letter_id=letter_id,
        target=Status.MAILED,
        courier=body.courier,
        tracking_no=body.tracking_no,
    )
    return LetterPublic.of(letter)


@router.post("/letters/{letter_id}/ready-for-pickup", response_model=LetterPublic)
async def ready_for_pickup(letter_id: str, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Record that the paper letter waits to be picked up."""
    return await _step(uow, user, letter_id, Status.READY_FOR_PICKUP)


@router.post("/letters/{letter_id}/received", response_model=LetterPublic)
async def received(letter_id: str, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Record that the mailed letter arrived."""
    return await _step(uow, user, letter_id, Status.RECEIVED)


@router.post("/letters/{letter_id}/picked-up", response_model=LetterPublic)
async def picked_up(letter_id: str, uow: UowDep, user: LetterAdmin) -> LetterPublic:
    """Record that the lawyer picked the letter up."""
    return await _step(uow, user, letter_id, Status.PICKED_UP)
