"""What the letters API answers with."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from servicekit.db import as_utc
from servicekit.errors import Invalid

from ..adapters.tables import Address, Letter, Share, ShareOpen


class LawyerPublic(BaseModel):
    name: str
    licence_no: str


class LetterPublic(BaseModel):
    id: str
    kind: str
    status: str
    owner_id: str
    owner_name: str
    case_serial_no: str
    cause_of_action: str
    letter_type: str
    recipient_org: str
    letter_date: date
    past_date_allowed: bool
    client_name: str
    matter: str
    lawyers: list[LawyerPublic]
    body: str
    delivery: str | None
    mail_recipient_id: str | None
    mail_recipient_name: str | None
    mail_address: dict[str, str] | None
    courier: str | None
    tracking_no: str | None
    number: str | None
    approver_id: str | None
    rejection_reason: str | None
    page_count: int | None = Field(
        description="Pages of the approved letter PDF; null before approval (see /preview)"
    )
    sealed: bool
    sealed_page_count: int | None = Field(
        description="Pages of the sealed PDF, served as images at "
        "/api/letters/letters/{id}/sealed/pages/{page}.png; null until sealed"
    )
    verify_code: str | None
    verify_url: str | None
    seal_error: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None

    @classmethod
    def of(cls, letter: Letter) -> LetterPublic:
        """Return the public view of a letter."""
        data = letter.model_dump()
        data["lawyers"] = json.loads(letter.lawyers_json)
        data["mail_address"] = (
            json.loads(letter.mail_address_json) if letter.mail_address_json else None
        )
        data["sealed"] = letter.sealed_sha256 is not None
        return cls.model_validate(data)


class LetterPreviewPublic(BaseModel):
    """What the preview shows: a live rendering of a draft, or the approved PDF."""

    letter_id: str
    source: Literal["live", "approved"] = Field(
        description="live: rendered from the current text on each request; approved: the stored, "
        "numbered PDF that is sent for sealing"
    )
    sha256: str
    page_count: int | None = Field(
        description="Pages of the preview, served at /api/letters/letters/{id}/pages/{page}.png"
    )


class LettersPublic(BaseModel):
    data: list[LetterPublic]
    count: int
    next_cursor: str | None


class LetterTypePublic(BaseModel):
    code: str
    name_zh: str
    name_en: str
    cross_page_seal: bool = Field(
        default=False, description="sealed across every page's right edge as well (骑缝章)"
    )


class LetterTypesPublic(BaseModel):
    data: list[LetterTypePublic]
    count: int


class AddressPublic(BaseModel):
    id: str
    name: str
    phone: str
    province: str
    city: str
    district: str
    street: str
    is_default: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, address: Address) -> AddressPublic:
        """Return the public view of an address."""
        return cls.model_validate(address, from_attributes=True)


class AddressesPublic(BaseModel):
    data: list[AddressPublic]
    count: int


class SharePublic(BaseModel):
    id: str
    letter_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: str

    @classmethod
    def of(cls, share: Share, *, state: str) -> SharePublic:
        """Return the public view of a share link (never its token)."""
        return cls(
            id=share.id,
            letter_id=share.letter_id,
            created_at=share.created_at,
            expires_at=share.expires_at,
            revoked_at=share.revoked_at,
            state=state,
        )


class ShareCreated(SharePublic):
    token: str
    url: str
    qr_png_base64: str


class SharesPublic(BaseModel):
    data: list[SharePublic]
    count: int


class ShareOpenPublic(BaseModel):
    opened_at: datetime
    what: str
    ip: str | None
    user_agent: str | None

    @classmethod
    def of(cls, opened: ShareOpen) -> ShareOpenPublic:
        """Return the public view of one opening."""
        return cls.model_validate(opened, from_attributes=True)


class ShareOpensPublic(BaseModel):
    data: list[ShareOpenPublic]
    count: int


class ErrorDetailPublic(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorPublic(BaseModel):
    """The one error shape: `{"error": {"code", "message", "details"}}`."""

    error: ErrorDetailPublic


def _error(codes: str) -> dict[str, Any]:
    return {"model": ErrorPublic, "description": f"error.code: {codes}"}


_PNG = {"description": "The page as a PNG image", "content": {"image/png": {}}}
_NOT_A_PAGE = _error("validation_error (the page is not a whole number)")
_UNAVAILABLE = _error("preview_unavailable (pdftoppm missing, failed or too slow)")
PAGE_IMAGE: dict[int | str, dict[str, Any]] = {
    200: _PNG,
    404: _error("letter_not_found, page_out_of_range (details: page, page_count)"),
    422: _error("validation_error, letter_text_unrenderable (a draft the font cannot print)"),
    503: _UNAVAILABLE,
}
SEALED_PAGE_IMAGE: dict[int | str, dict[str, Any]] = {
    200: _PNG,
    404: _error("letter_not_found, page_out_of_range (details: page, page_count)"),
    409: _error("letter_not_sealed"),
    422: _NOT_A_PAGE,
    503: _UNAVAILABLE,
}
SHARED_PAGE_IMAGE: dict[int | str, dict[str, Any]] = {
    200: _PNG,
    404: _error("share_unavailable (unknown, expired or revoked link), page_out_of_range"),
    422: _NOT_A_PAGE,
    503: _UNAVAILABLE,
}


def encode_cursor(letter: Letter) -> str:
    """Return an opaque cursor pointing after `letter`."""
    raw = f"{as_utc(letter.created_at).isoformat()}|{letter.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """Return the (created_at, id) a cursor points after; 422 if it is not one of ours."""
    if not cursor:
        return None
    try:
        at, _, letter_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), letter_id
    except (ValueError, binascii.Error) as exc:
        raise Invalid("Invalid cursor", "分页游标无效", code="invalid_cursor") from exc


def page_of(rows: list[Letter], *, limit: int) -> LettersPublic:
    """Return one page of letters with the cursor of the next page."""
    data = [LetterPublic.of(r) for r in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return LettersPublic(data=data, count=len(data), next_cursor=next_cursor)
