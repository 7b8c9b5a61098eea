"""Use cases: a partner system reads a letter (`letters:read`) or fetches it sealed
(`documents:read`).

The route is public (through the gateway) and named in `letter.sealed`'s
`document.public_url`; every download is written to the audit log with the key that made it.
"""

from __future__ import annotations

from servicekit.auth import Principal
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.repository import DocumentRepository, LetterRepository
from ..adapters.tables import Letter
from ..config import Settings
from ..domain.errors import NotSealed
from .common import LetterNotFound

PARTNER_PREFIX = "/api/letters/partner/letters"


def sealed_letter_url(settings: Settings, letter_id: str) -> str:
    """Return the public route a partner downloads a sealed letter from."""
    return f"{settings.public_base_url.rstrip('/')}{PARTNER_PREFIX}/{letter_id}/sealed.pdf"


async def sealed_letter(uow: UnitOfWork, *, user: Principal, letter_id: str) -> bytes:
    """Return a sealed letter's PDF and audit the download."""
    letter = await uow.repo(LetterRepository).get(letter_id)
    if letter is None:
        raise LetterNotFound()
    if letter.sealed_sha256 is None:
        raise NotSealed()
    doc = await uow.repo(DocumentRepository).get(letter.sealed_sha256)
    if doc is None:
        raise NotFound(code="document_not_found")
    letter.record_audit(
        actor=user.actor,
        action="document.downloaded",
        after={"file": "sealed.pdf", "sha256": letter.sealed_sha256},
    )
    await uow.commit()
    return doc.content


async def letter(uow: UnitOfWork, *, letter_id: str) -> Letter:
    """Return any letter, for a partner key with `letters:read` (read only)."""
    row = await uow.repo(LetterRepository).get(letter_id)
    if row is None:
        raise LetterNotFound()
    return row
