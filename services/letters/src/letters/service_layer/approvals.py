"""Use cases of the letter administrator: the queue, approval with numbering, rejection."""

from __future__ import annotations

from datetime import datetime

from lexseal_events import (
    DocumentRef,
    LetterApproved,
    LetterApprovedData,
    LetterRejected,
    LetterRejectedData,
)
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.letter_fonts import ensure_renderable
from ..adapters.repository import DocumentRepository, LetterFilter, LetterRepository
from ..adapters.tables import Letter
from ..config import Settings
from ..domain import letters as rules
from ..domain.errors import RejectionReasonRequired
from ..domain.letters import Status
from ..domain.numbering import format_number, letter_type_by_code
from .common import (
    content_of,
    internal_document_url,
    load_letter,
    render,
    today,
    touch,
)


async def queue(
    uow: UnitOfWork, *, where: LetterFilter, after: tuple[datetime, str] | None, limit: int
) -> list[Letter]:
    """Return the submitted letters waiting for a decision, newest first."""
    scoped = LetterFilter(
        kind=where.kind,
        status=Status.SUBMITTED,
        case_serial_no=where.case_serial_no,
        date_from=where.date_from,
        date_to=where.date_to,
    )
    return await uow.repo(LetterRepository).page(where=scoped, after=after, limit=limit)


async def allow_past_date(uow: UnitOfWork, *, user: Principal, letter_id: str) -> Letter:
    """Let a letter carry a letter date earlier than today."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True)
    rules.check_past_date_grantable(
        status=letter.status, owner_id=letter.owner_id, granter_id=user.id
    )
    if not letter.past_date_allowed:
        letter.past_date_allowed = True
        touch(letter)
        letter.record_audit(
            actor=user.actor,
            action="letter.past_date_allowed",
            before={"past_date_allowed": False},
            after={"past_date_allowed": True},
        )
        await uow.commit()
    return letter


async def approve_letter(
    uow: UnitOfWork,
    *,
    settings: Settings,
    user: Principal,
    letter_id: str,
    allow_past_letter_date: bool,
) -> Letter:
    """Approve a submitted letter: give it the next number, render it, ask for the seal."""
    repo = uow.repo(LetterRepository)
    # The row lock makes a second, concurrent decision on the same letter wait and then fail.
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True)
    rules.check_decidable(status=letter.status, owner_id=letter.owner_id, approver_id=user.id)
    now_local = today(settings)
    rules.check_letter_date(
        letter_date=letter.letter_date,
        today=now_local,
        past_allowed=letter.past_date_allowed or allow_past_letter_date,
    )
    # Check the text before taking a number, so a refusal never holds the counter.
    probe = content_of(letter, settings=settings, number=None)
    ensure_renderable(probe.body + probe.client_name, font_path=str(settings.font_path))
    before = letter.audit_snapshot()
    seq = await repo.next_number(year=now_local.year, type_code=letter.letter_type)
    number = format_number(
        settings.number_pattern,
        year=now_local.year,
        seq=seq,
        type_code=letter.letter_type,
        prefix=settings.number_prefix,
    )
    rendered = await render(letter, settings=settings, number=number)
    sha = rendered.sha256
    await uow.repo(DocumentRepository).put(sha256=sha, content=rendered.pdf)
    letter.status = Status.APPROVED
    letter.number = number
    letter.number_year = now_local.year
    letter.number_seq = seq
    letter.approver_id = user.id
    letter.decided_at = utcnow()
    letter.document_sha256 = sha
    letter.page_count = rendered.page_count
    if allow_past_letter_date and letter.letter_date < now_local:
        letter.past_date_allowed = True
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.approved",
        before=before,
    )
    letter.record_event(
        LetterApproved(
            source=uow.source,
            subject=letter.id,
            data=LetterApprovedData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                number=number,
                approver_id=user.id,
                letter_type=letter.letter_type,
                document=DocumentRef(
                    sha256=sha,
                    size=len(rendered.pdf),
                    url=internal_document_url(settings, sha),
                    filename=f"letter-{letter.id}.pdf",
                    page_count=rendered.page_count,
                ),
                cross_page_seal=letter_type_by_code(
                    letter.letter_type, settings.letter_types
                ).cross_page_seal,
            ),
        )
    )
    await uow.commit()
    return letter


async def reject_letter(uow: UnitOfWork, *, user: Principal, letter_id: str, reason: str) -> Letter:
    """Send a submitted letter back to the lawyer with the reason."""
    if not reason.strip():
        raise RejectionReasonRequired()
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True)
    rules.check_decidable(status=letter.status, owner_id=letter.owner_id, approver_id=user.id)
    before = letter.audit_snapshot()
    letter.status = Status.REJECTED
    letter.rejection_reason = reason.strip()
    letter.approver_id = user.id
    letter.decided_at = utcnow()
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.rejected",
        before=before,
    )
    letter.record_event(
        LetterRejected(
            source=uow.source,
            subject=letter.id,
            data=LetterRejectedData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                approver_id=user.id,
                reason=letter.rejection_reason,
            ),
        )
    )
    await uow.commit()
    return letter
