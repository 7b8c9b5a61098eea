"""The lawyer's address book: exactly one default while any address exists."""

from __future__ import annotations

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.domain import AuditFact
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.address_repository import AddressRepository
from ..adapters.tables import ADDRESS_FIELDS, Address
from .commands import AddressCreate, AddressUpdate
from .delivery import ensure_own_address


class AddressNotFound(NotFound):
    code = "address_not_found"
    message_zh = "地址不存在"
    message_en = "Address not found"


async def list_addresses(uow: UnitOfWork, *, user: Principal) -> list[Address]:
    """Return the caller's addresses, the default first."""
    return await uow.repo(AddressRepository).for_owner(user.id)


async def add_address(uow: UnitOfWork, *, user: Principal, data: AddressCreate) -> Address:
    """Add an address; the first one, or one marked default, becomes the default."""
    ensure_own_address(data.name, user)
    book = uow.repo(AddressRepository)
    await book.lock_book(user.id)
    current = await book.default(user.id)
    make_default = data.is_default or current is None
    if make_default and current is not None:
        await book.clear_default(user.id)
    address = Address(
        owner_id=user.id, is_default=make_default, **{f: getattr(data, f) for f in ADDRESS_FIELDS}
    )
    book.add(address)
    address.record_audit(actor=user.actor, action="address.created")
    await uow.commit()
    return address


async def update_address(
    uow: UnitOfWork, *, user: Principal, address_id: str, data: AddressUpdate
) -> Address:
    """Edit an address or make it the default (letters keep the copy they were mailed with)."""
    ensure_own_address(data.name, user)
    book = uow.repo(AddressRepository)
    await book.lock_book(user.id)
    address = await book.get(owner_id=user.id, address_id=address_id)
    if address is None:
        raise AddressNotFound()
    before = address.audit_snapshot()
    for f in ADDRESS_FIELDS:
        value = getattr(data, f)
        if value is not None:
            setattr(address, f, value)
    # Unsetting the default alone would leave none; another address must be made default instead.
    if data.is_default and not address.is_default:
        await book.clear_default(user.id)
        address.is_default = True
    address.updated_at = utcnow()
    address.record_audit(actor=user.actor, action="address.updated", before=before)
    await uow.commit()
    return address


async def delete_address(uow: UnitOfWork, *, user: Principal, address_id: str) -> None:
    """Remove an address; if it was the default, the newest remaining one becomes default."""
    book = uow.repo(AddressRepository)
    await book.lock_book(user.id)
    address = await book.get(owner_id=user.id, address_id=address_id)
    if address is None:
        raise AddressNotFound()
    was_default = address.is_default
    # Gone from the session once deleted: the fact is recorded on the unit of work.
    uow.record(
        AuditFact(
            actor=user.actor,
            action="address.deleted",
            object_type=Address.audit_type,
            object_id=address_id,
            before=address.audit_snapshot(),
        )
    )
    await book.delete(address)
    if was_default:
        rest = await book.for_owner(user.id)
        if rest:
            newest = max(rest, key=lambda a: a.created_at)
            newest.is_default = True
    await uow.commit()
