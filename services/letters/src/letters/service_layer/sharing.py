"""Share links: the applicant sends a sealed letter to its recipient, who needs no account."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from lexseal_events import LetterShared, LetterSharedData
from servicekit.auth import Principal
from servicekit.db import as_utc, utcnow
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.address_repository import ShareRepository
from ..adapters.page_cache import PageImageCache
from ..adapters.previews import qr_png
from ..adapters.repository import DocumentRepository, LetterRepository
from ..adapters.tables import Letter, Share, ShareOpen
from ..config import Settings
from ..domain.errors import NotSealed, ShareUnavailable
from ..domain.letters import ShareState
from . import documents
from .common import load_letter


class ShareNotFound(NotFound):
    code = "share_not_found"
    message_zh = "分享链接不存在"
    message_en = "Share link not found"


@dataclass(frozen=True)
class NewShare:
    """A share link as created: the token and QR code exist only in this answer."""

    share: Share
    url: str
    qr_png_base64: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_share(
    uow: UnitOfWork, *, settings: Settings, user: Principal, letter_id: str
) -> NewShare:
    """Create an expiring link (and its QR code) to the sealed letter."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, own=True)
    if letter.sealed_sha256 is None:
        raise NotSealed()
    token = secrets.token_urlsafe(32)
    share = Share(
        letter_id=letter.id,
        token_hash=_hash(token),
        created_by=user.id,
        expires_at=utcnow() + timedelta(hours=settings.share_ttl_hours),
    )
    uow.repo(ShareRepository).add(share)
    letter.record_audit(
        actor=user.actor,
        action="letter.shared",
        after={"share_id": share.id, "expires_at": share.expires_at.isoformat()},
    )
    letter.record_event(
        LetterShared(
            source=uow.source,
            subject=letter.id,
            data=LetterSharedData(
                letter_id=letter.id,
                owner_id=letter.owner_id,
                kind=letter.kind.value,
                share_id=share.id,
                expires_at=share.expires_at,
            ),
        )
    )
    await uow.commit()
    url = f"{settings.public_base_url}/share/{token}"
    return NewShare(share=share, url=url, qr_png_base64=base64.b64encode(qr_png(url)).decode())


async def list_shares(uow: UnitOfWork, *, user: Principal, letter_id: str) -> list[Share]:
    """Return the share links of one of the caller's letters."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, own=True)
    return await uow.repo(ShareRepository).for_letter(letter.id)


async def _own_share(
    uow: UnitOfWork, *, user: Principal, letter_id: str, share_id: str
) -> tuple[Letter, Share]:
    letter = await load_letter(uow, letter_id=letter_id, user=user, own=True)
    share = await uow.repo(ShareRepository).get(letter_id=letter.id, share_id=share_id)
    if share is None:
        raise ShareNotFound()
    return letter, share


async def revoke_share(uow: UnitOfWork, *, user: Principal, letter_id: str, share_id: str) -> Share:
    """Stop a share link from working."""
    letter, share = await _own_share(uow, user=user, letter_id=letter_id, share_id=share_id)
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        letter.record_audit(
            actor=user.actor,
            action="letter.share_revoked",
            after={"share_id": share.id},
        )
        await uow.commit()
    return share


async def share_opens(
    uow: UnitOfWork, *, user: Principal, letter_id: str, share_id: str
) -> list[ShareOpen]:
    """Return when, from where and with what each opening of a share link happened."""
    _, share = await _own_share(uow, user=user, letter_id=letter_id, share_id=share_id)
    return await uow.repo(ShareRepository).opens(share.id)


def share_state(share: Share, *, now: datetime) -> ShareState:
    """Return whether the link works, has expired or was revoked."""
    if share.revoked_at is not None:
        return ShareState.REVOKED
    return ShareState.EXPIRED if as_utc(share.expires_at) <= now else ShareState.ACTIVE


async def _live_share(uow: UnitOfWork, *, token: str) -> tuple[Share, Letter]:
    share = await uow.repo(ShareRepository).by_token_hash(_hash(token))
    if share is None or share_state(share, now=utcnow()) is not ShareState.ACTIVE:
        raise ShareUnavailable()
    letter = await uow.repo(LetterRepository).get(share.letter_id)
    if letter is None or letter.sealed_sha256 is None:
        raise ShareUnavailable()
    return share, letter


async def open_share(
    uow: UnitOfWork, *, token: str, what: str, ip: str | None, user_agent: str | None
) -> tuple[Letter, bytes | None]:
    """Log one opening of a live share link; return the letter (and the PDF when downloading)."""
    share, letter = await _live_share(uow, token=token)
    pdf = None
    if what == "document":
        sealed = letter.sealed_sha256
        doc = await uow.repo(DocumentRepository).get(sealed) if sealed else None
        if doc is None:
            raise ShareUnavailable()
        pdf = doc.content
    uow.repo(ShareRepository).add_open(
        ShareOpen(share_id=share.id, what=what, ip=ip, user_agent=(user_agent or "")[:512] or None)
    )
    await uow.commit()
    return letter, pdf


async def shared_page(
    uow: UnitOfWork, *, settings: Settings, cache: PageImageCache, token: str, page: int
) -> bytes:
    """Return one page of a shared letter as a PNG image.

    Not logged as an opening: the images belong to the share page, whose opening is logged.
    """
    _, letter = await _live_share(uow, token=token)
    return await documents.sealed_page_of(
        uow, settings=settings, cache=cache, letter=letter, page=page
    )
