"""Read use cases: one application with its timeline, and the keyset-paginated list."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from servicekit.auth import Principal
from servicekit.uow import UnitOfWork

from ..adapters.repository import ContractRepository, Page
from ..adapters.tables import Contract, Document, Signer, StatusChange
from ..domain.errors import CursorInvalid
from .access import load_visible, sees_all


@dataclass(frozen=True)
class ContractDetail:
    """An application as one caller may see it; `full` tells whether identifiers are unmasked."""

    contract: Contract
    document: Document | None
    signers: list[Signer]
    timeline: list[StatusChange]
    full: bool


async def contract_detail(uow: UnitOfWork, *, user: Principal, contract_id: str) -> ContractDetail:
    """Return the application, its signers and its timeline, if the caller may see it."""
    repo = uow.repo(ContractRepository)
    contract = await load_visible(repo, contract_id=contract_id, user=user)
    document = await repo.document(contract.document_sha256) if contract.document_sha256 else None
    return ContractDetail(
        contract=contract,
        document=document,
        signers=await repo.signers(contract.id),
        timeline=await repo.timeline(contract.id),
        full=contract.owner_id == user.id,
    )


def encode_cursor(contract: Contract) -> str:
    """Return the opaque cursor that continues after `contract`."""
    raw = f"{contract.created_at.isoformat()}|{contract.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Page:
    """Return the keyset position an opaque cursor names, or raise Invalid."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, contract_id = raw.partition("|")
        position = Page(created_at=datetime.fromisoformat(at), id=contract_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise CursorInvalid() from exc
    if not contract_id or position.created_at.tzinfo is None:
        raise CursorInvalid()
    return position


async def list_contracts(
    uow: UnitOfWork,
    *,
    user: Principal,
    status: str | None,
    query: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Contract], str | None]:
    """Return one page of the applications the caller may see, newest first, and the next cursor."""
    repo = uow.repo(ContractRepository)
    rows = await repo.page(
        owner_id=None if sees_all(user) else user.id,
        status=status,
        query=(query or "").strip() or None,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None
