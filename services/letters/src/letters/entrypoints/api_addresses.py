"""Thin HTTP routes of the lawyer's address book."""

from __future__ import annotations

from fastapi import APIRouter, Response
from servicekit.app import UowDep
from servicekit.idempotency import Idempotent

from ..service_layer import addresses
from ..service_layer.commands import AddressCreate, AddressUpdate
from .deps import Lawyer
from .schemas import AddressesPublic, AddressPublic

router = APIRouter(prefix="/api/letters/addresses", tags=["letters-addresses"])


@router.get("", response_model=AddressesPublic)
async def list_addresses(uow: UowDep, user: Lawyer) -> AddressesPublic:
    """List the caller's mailing addresses, the default first."""
    data = [AddressPublic.of(a) for a in await addresses.list_addresses(uow, user=user)]
    return AddressesPublic(data=data, count=len(data))


@router.post("", response_model=AddressPublic, status_code=201)
async def add_address(
    body: AddressCreate, uow: UowDep, user: Lawyer, once: Idempotent
) -> AddressPublic | Response:
    """Add a mailing address."""

    async def act() -> AddressPublic:
        return AddressPublic.of(await addresses.add_address(uow, user=user, data=body))

    return await once.run(uow, act)


@router.patch("/{address_id}", response_model=AddressPublic)
async def update_address(
    address_id: str, body: AddressUpdate, uow: UowDep, user: Lawyer
) -> AddressPublic:
    """Edit an address or make it the default."""
    address = await addresses.update_address(uow, user=user, address_id=address_id, data=body)
    return AddressPublic.of(address)


@router.delete("/{address_id}", status_code=204)
async def delete_address(address_id: str, uow: UowDep, user: Lawyer) -> Response:
    """Delete an address."""
    await addresses.delete_address(uow, user=user, address_id=address_id)
    return Response(status_code=204)
