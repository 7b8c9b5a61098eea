"""Helpers every letters use case shares: loading with access checks, rendering."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from servicekit.auth import ADMIN, LETTER_ADMIN, Principal
from servicekit.db import utcnow
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.page_count import count_pages
from ..adapters.render import FirmInfo, LetterContent, render_letter
from ..adapters.repository import LetterRepository
from ..adapters.tables import Letter
from ..config import Settings
from ..domain.numbering import letter_type_by_code

STAFF = (LETTER_ADMIN, ADMIN)


class LetterNotFound(NotFound):
    code = "letter_not_found"
    message_zh = "函件不存在"
    message_en = "Letter not found"


def today(settings: Settings) -> date:
    """Return today's date where the firm is (Asia/Shanghai by default)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def is_staff(user: Principal) -> bool:
    """Tell whether the caller administers letters."""
    return user.has(*STAFF)


async def load_letter(
    uow: UnitOfWork, *, letter_id: str, user: Principal, lock: bool = False, own: bool = False
) -> Letter:
    """Return a letter the caller may see (own, or any for staff unless `own`); else 404."""
    letter = await uow.repo(LetterRepository).get(letter_id, lock=lock)
    if letter is None:
        raise LetterNotFound()
    mine = letter.owner_id == user.id
    if not mine and (own or not is_staff(user)):
        raise LetterNotFound()
    return letter


def touch(letter: Letter) -> None:
    """Mark the letter changed now."""
    letter.updated_at = utcnow()


def lawyers_of(letter: Letter) -> list[dict[str, str]]:
    """Return the handling lawyers stored on the letter."""
    value: list[dict[str, str]] = json.loads(letter.lawyers_json)
    return value


def firm_of(settings: Settings) -> FirmInfo:
    """Return the firm's letterhead from the settings."""
    return FirmInfo(
        name=settings.firm_name,
        address=settings.firm_address,
        phone=settings.firm_phone,
        letterhead_note=settings.firm_letterhead_note,
    )


def content_of(letter: Letter, *, settings: Settings, number: str | None) -> LetterContent:
    """Return what the renderer prints for the letter."""
    letter_type = letter_type_by_code(letter.letter_type, settings.letter_types)
    return LetterContent(
        number=number,
        letter_type=letter_type.name_zh,
        recipient_org=letter.recipient_org,
        case_serial_no=letter.case_serial_no,
        cause_of_action=letter.cause_of_action,
        client_name=letter.client_name,
        matter=letter.matter,
        lawyers=[(x["name"], x["licence_no"]) for x in lawyers_of(letter)],
        body=letter.body,
        letter_date=letter.letter_date,
    )


@dataclass(frozen=True)
class RenderedLetter:
    """A fresh rendering of a letter and what is known about it at once."""

    pdf: bytes
    sha256: str
    page_count: int | None


async def render(letter: Letter, *, settings: Settings, number: str | None) -> RenderedLetter:
    """Render the letter as a PDF off the event loop, and count its pages while at it."""
    content = content_of(letter, settings=settings, number=number)

    def work() -> RenderedLetter:
        pdf = render_letter(content, firm_of(settings), font_path=str(settings.font_path))
        return RenderedLetter(pdf=pdf, sha256=sha256_hex(pdf), page_count=count_pages(pdf))

    return await asyncio.to_thread(work)


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def internal_document_url(settings: Settings, sha256: str) -> str:
    """Return the internal (claim-check) URL of a stored document."""
    return f"{settings.internal_base_url}/internal/letters/documents/{sha256}"
