"""Routes for partner systems: a letter (`letters:read`), a sealed letter (`documents:read`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from servicekit.app import UowDep
from servicekit.auth import DOCUMENTS_READ, LETTERS_READ, Principal, require_scope

from ..service_layer import partner_documents
from .schemas import LetterPublic

router = APIRouter(prefix=partner_documents.PARTNER_PREFIX, tags=["partner"])
DocumentsReader = Depends(require_scope(DOCUMENTS_READ))
LettersReader = Depends(require_scope(LETTERS_READ))


@router.get("/{letter_id}", response_model=LetterPublic)
async def partner_letter(
    letter_id: str, uow: UowDep, user: Principal = LettersReader
) -> LetterPublic:
    """Show one letter to a partner system; the mailing address (a person's phone) is left out."""
    view = LetterPublic.of(await partner_documents.letter(uow, letter_id=letter_id))
    return view.model_copy(update={"mail_address": None})


@router.get("/{letter_id}/sealed.pdf")
async def sealed_letter(letter_id: str, uow: UowDep, user: Principal = DocumentsReader) -> Response:
    """Return a sealed letter's PDF (audited)."""
    pdf = await partner_documents.sealed_letter(uow, user=user, letter_id=letter_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="letter-{letter_id}.pdf"'},
    )
