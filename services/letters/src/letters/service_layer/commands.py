"""What a client may send; status, number, owner and mail recipient are not among it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_Text = Field(min_length=1, max_length=200)


class _In(BaseModel):
    # Unknown fields such as "status" or "number" are dropped, never applied.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LawyerIn(_In):
    name: str = Field(min_length=1, max_length=64)
    licence_no: str = Field(pattern=r"^\d{17}$", description="律师执业证号, 17 digits")


class LetterContentIn(_In):
    client_name: str = _Text
    matter: str = Field(min_length=1, max_length=500)
    lawyers: list[LawyerIn] = Field(min_length=1, max_length=10)
    body: str = Field(min_length=1, max_length=20000)


class AddressIn(_In):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=r"^[0-9+\- ]{5,32}$")
    province: str = Field(min_length=1, max_length=32)
    city: str = Field(min_length=1, max_length=32)
    district: str = Field(min_length=1, max_length=32)
    street: str = Field(min_length=1, max_length=200)


class AddressCreate(AddressIn):
    is_default: bool = False


class AddressUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{5,32}$")
    province: str | None = Field(default=None, min_length=1, max_length=32)
    city: str | None = Field(default=None, min_length=1, max_length=32)
    district: str | None = Field(default=None, min_length=1, max_length=32)
    street: str | None = Field(default=None, min_length=1, max_length=200)
    is_default: bool | None = None


class DeliveryIn(_In):
    method: Literal["pickup", "mail"]
    # one of: an address-book entry, a new address (optionally saved), or the default address
    address_id: str | None = None
    address: AddressIn | None = None
    save_to_book: bool = False
    make_default: bool = False
    # accepted only to refuse anything but the applicant
    recipient_id: str | None = None
    recipient_name: str | None = None


class LetterUpdate(_In):
    case_serial_no: str | None = Field(default=None, min_length=1, max_length=64)
    cause_of_action: str | None = Field(default=None, min_length=1, max_length=200)
    letter_type: str | None = Field(default=None, min_length=1, max_length=16)
    recipient_org: str | None = Field(default=None, min_length=1, max_length=200)
    letter_date: date | None = None


class LetterCreate(_In):
    kind: Literal["electronic", "paper"]
    case_serial_no: str = Field(min_length=1, max_length=64)
    cause_of_action: str = _Text
    letter_type: str = Field(min_length=1, max_length=16)
    recipient_org: str = _Text
    letter_date: date
    content: LetterContentIn | None = None
    delivery: DeliveryIn | None = None


class Decision(_In):
    allow_past_letter_date: bool = False


class Rejection(_In):
    reason: str = Field(default="", max_length=2000)


class MailedIn(_In):
    courier: str = Field(default="", max_length=64)
    tracking_no: str = Field(default="", max_length=64)
