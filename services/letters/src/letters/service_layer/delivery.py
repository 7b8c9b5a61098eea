"""Paper-letter delivery: self pick-up or mail, and mail goes only to the applicant."""

from __future__ import annotations

import json

from servicekit.auth import Principal
from servicekit.uow import UnitOfWork

from ..adapters.address_repository import AddressRepository
from ..adapters.tables import ADDRESS_FIELDS, Address, Letter
from ..domain import letters as rules
from ..domain.errors import MailAddressRequired, MailRecipientNotApplicant
from ..domain.letters import Delivery
from .commands import AddressIn, DeliveryIn
from .common import load_letter, touch


def address_snapshot(address: Address | AddressIn) -> dict[str, str]:
    """Return the address as copied onto a letter (later edits in the book do not change it)."""
    return {f: str(getattr(address, f)) for f in ADDRESS_FIELDS}


def ensure_own_address(name: str | None, user: Principal) -> None:
    """Refuse an address for anyone but the applicant: the book holds the lawyer's own addresses."""
    if name is not None and name.strip() not in (user.display_name, user.username):
        raise MailRecipientNotApplicant(
            details={"field": "name", "applicant_name": user.display_name or user.username}
        )


def _refuse_other_recipient(data: DeliveryIn, user: Principal) -> None:
    others = [v for v in (data.recipient_id,) if v is not None and v != user.id]
    if data.recipient_name is not None and data.recipient_name not in (
        user.display_name,
        user.username,
    ):
        others.append(data.recipient_name)
    if others:
        raise MailRecipientNotApplicant(details={"applicant_id": user.id})


async def _mail_address(uow: UnitOfWork, *, user: Principal, data: DeliveryIn) -> dict[str, str]:
    book = uow.repo(AddressRepository)
    if data.address_id is not None:
        chosen = await book.get(owner_id=user.id, address_id=data.address_id)
        if chosen is None:
            raise MailAddressRequired(details={"address_id": data.address_id})
        return address_snapshot(chosen)
    if data.address is not None:
        ensure_own_address(data.address.name, user)
        if data.save_to_book or data.make_default:
            await book.lock_book(user.id)
            has_default = await book.default(user.id) is not None
            make_default = data.make_default or not has_default
            if make_default and has_default:
                await book.clear_default(user.id)
            entry = Address.model_validate(address_snapshot(data.address) | {"owner_id": user.id})
            entry.is_default = make_default
            book.add(entry)
        return address_snapshot(data.address)
    default = await book.default(user.id)
    if default is None:
        raise MailAddressRequired()
    return address_snapshot(default)


async def apply_delivery(
    uow: UnitOfWork, *, letter: Letter, user: Principal, data: DeliveryIn
) -> None:
    """Set how a paper letter reaches the applicant; the recipient is always the applicant."""
    rules.check_delivery_allowed(letter.kind)
    if data.method == "mail":
        _refuse_other_recipient(data, user)
        address = await _mail_address(uow, user=user, data=data)
        letter.delivery = Delivery.MAIL
        letter.mail_recipient_id = letter.owner_id
        letter.mail_recipient_name = letter.owner_name
        letter.mail_address_json = json.dumps(address, ensure_ascii=False)
    else:
        letter.delivery = Delivery.PICKUP
        letter.mail_recipient_id = None
        letter.mail_recipient_name = None
        letter.mail_address_json = None


async def put_delivery(
    uow: UnitOfWork, *, user: Principal, letter_id: str, data: DeliveryIn
) -> Letter:
    """Choose self pick-up or mail (to the applicant) for a paper letter."""
    letter = await load_letter(uow, letter_id=letter_id, user=user, lock=True, own=True)
    rules.ensure_editable(letter.status)
    before = letter.audit_snapshot()
    await apply_delivery(uow, letter=letter, user=user, data=data)
    touch(letter)
    letter.record_audit(
        actor=user.actor,
        action="letter.delivery_set",
        before=before,
    )
    await uow.commit()
    return letter
