"""Use cases of the applying lawyer: create, edit, content, submit, withdraw, read, list."""

from __future__ import annotations

import json
from datetime import datetime

from lexseal_events import (
    LetterSubmitted,
    LetterSubmittedData,
    LetterWithdrawn,
    LetterWithdrawnData,
)
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.letter_fonts import ensure_renderable
from ..adapters.repository import LetterFilter, LetterRepository
from ..adapters.tables import Letter
from ..config import Settings
from ..domain import letters as rules
from ..domain.case_serial import normalize_case_serial
from ..domain.letters import Kind, Status
from ..domain.numbering import letter_type_by_code
from .commands import LetterContentIn, LetterCreate, LetterUpdate
from .common import is_staff, load_letter, today, touch
from .delivery import apply_delivery


def _check_text(settings: Settings, *parts: str) -> None:
    # A glyph the font lacks would print as an empty box on a legal document: refuse early.
    ensure_renderable("".join(parts), font_path=str(settings.font_path))


def _apply_content(letter: Letter, content: LetterContentIn, settings: Settings) -> None:
    lawyers = [{"name": x.name, "licence_no": x.licence_no} for x in content.lawyers]
    _check_text(
        settings,
        content.client_name,
        content.matter,
        content.body,
        *(x.name for x in content.lawyers),
    )
    letter.client_name = content.client_name
    letter.matter = content.matter
    letter.lawyers_json = json.dumps(lawyers, ensure_ascii=False)
    letter.body = content.body


def _apply_fields(letter: Letter, changes: LetterUpdate, settings: Settings) -> None:
    if changes.case_serial_no is not None:
        letter.case_serial_no = normalize_case_serial(
            changes.case_serial_no, pattern=settings.case_serial_pattern
        )
    if changes.letter_type is not None:
        letter.letter_type = letter_type_by_code(changes.letter_type, settings.letter_types).code
    if changes.cause_of_action is not None:
        letter.cause_of_action = changes.cause_of_action
    if changes.recipient_org is not None:
        letter.recipient_org = changes.recipient_org
    if changes.letter_date is not None:
        rules.check_letter_date(
            letter_date=changes.letter_date,
            today=today(settings),
            past_allowed=letter.past_date_allowed,
        )
        letter.letter_date = changes.letter_date
    _check_text(settings, letter.cause_of_action, letter.recipient_org)


async def create_letter(
    uow: UnitOfWork, *, settings: Settings, user: Principal, data: LetterCreate
) -> Letter:
    """Save a new letter application as a draft."""
    rules.check_letter_date(letter_date=data.letter_date, today=today(settings), past_allowed=False)
    letter = Letter(
        kind=Kind(data.kind),
        owner_id=user.id,
        owner_name=user.display_name,
        case_serial_no="",
        cause_of_action=data.cause_of_action,
        letter_type="",
        recipient_org=data.recipient_org,
        letter_date=data.letter_date,
    )
    _apply_fields(letter, LetterUpdate.model_validate(data.model_dump()), settings)
    if data.content is not None:
        _apply_content(letter, data.content, settings)
    uow.repo(LetterRepository).add(letter)
    if data.delivery is not None:
        await apply_delivery(uow, letter=letter, user=user, data=data.delivery)
    letter.record_audit(
        actor=user.actor,
        action="letter.created",
    )
    await uow.commit()
    return letter


async def update_letter(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str, changes: LetterUpdate
) -> Letter:
    """Change the form fields of a draft, rejected or withdrawn letter."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True, own=True)
    rules.ensure_editable(letter.status)
    before = letter.audit_snapshot()
    _apply_fields(letter, changes, settings)
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.updated",
        before=before,
    )
    await uow.commit()
    return letter


async def put_content(
    uow: UnitOfWork,
    *,
    settings: Settings,
    user: Principal,
    letter_id: str,
    content: LetterContentIn,
) -> Letter:
    """Replace the letter's content: client, matter, handling lawyers, free text."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True, own=True)
    rules.ensure_editable(letter.status)
    before = letter.audit_snapshot()
    _apply_content(letter, content, settings)
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.content_updated",
        before=before,
    )
    await uow.commit()
    return letter


async def submit_letter(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str
) -> Letter:
    """Send the letter to the letter administrator for approval."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True, own=True)
    rules.check_submittable(
        status=letter.status,
        kind=letter.kind,
        has_content=bool(letter.body and letter.client_name and letter.lawyers_json != "[]"),
        delivery=letter.delivery,
        has_mail_address=letter.mail_address_json is not None,
    )
    rules.check_letter_date(
        letter_date=letter.letter_date, today=today(settings), past_allowed=letter.past_date_allowed
    )
    before = letter.audit_snapshot()
    letter.status = Status.SUBMITTED
    letter.submitted_at = utcnow()
    letter.rejection_reason = None
    letter.approver_id = None
    letter.decided_at = None
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.submitted",
        before=before,
    )
    letter.record_event(
        LetterSubmitted(
            source=uow.source,
            subject=letter.id,
            data=LetterSubmittedData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                owner_name=letter.owner_name,
                letter_type=letter.letter_type,
                case_serial_no=letter.case_serial_no,
                cause_of_action=letter.cause_of_action,
                recipient_org=letter.recipient_org,
                letter_date=letter.letter_date,
            ),
        )
    )
    await uow.commit()
    return letter


async def withdraw_letter(uow: UnitOfWork, *, user: Principal, letter_id: str) -> Letter:
    """Take a submitted letter back before the administrator decides."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True, own=True)
    rules.check_withdrawable(letter.status)
    before = letter.audit_snapshot()
    letter.status = Status.WITHDRAWN
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.withdrawn",
        before=before,
    )
    letter.record_event(
        LetterWithdrawn(
            source=uow.source,
            subject=letter.id,
            data=LetterWithdrawnData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                actor_id=user.id,
            ),
        )
    )
    await uow.commit()
    return letter


async def get_letter(uow: UnitOfWork, *, user: Principal, letter_id: str) -> Letter:
    """Return one letter the caller may see."""
    return await load_letter(uow, letter_id=letter_id, user=user)


async def list_letters(
    uow: UnitOfWork,
    *,
    user: Principal,
    where: LetterFilter,
    after: tuple[datetime, str] | None,
    limit: int,
    all_owners: bool = False,
) -> list[Letter]:
    """Return the caller's letters (staff: everyone's when asked), newest first."""
    owner = None if all_owners and is_staff(user) else user.id
    scoped = LetterFilter(
        owner_id=owner,
        kind=where.kind,
        status=where.status,
        case_serial_no=where.case_serial_no,
        date_from=where.date_from,
        date_to=where.date_to,
    )
    return await uow.repo(LetterRepository).page(where=scoped, after=after, limit=limit)
