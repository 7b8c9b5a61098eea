"""What goes onto a rendered firm letter: the firm's letterhead data and the letter itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


class Lawyer(NamedTuple):
    """A handling lawyer as printed on the letter."""

    name: str
    licence_no: str


@dataclass(frozen=True, slots=True)
class FirmInfo:
    """The firm's letterhead: name, address, phone and an optional line under the name."""

    name: str
    address: str
    phone: str
    letterhead_note: str | None = None


@dataclass(frozen=True, slots=True)
class LetterContent:
    """One letter's content; ``number`` None means an unapproved draft rendered as a preview."""

    number: str | None
    letter_type: str
    recipient_org: str
    case_serial_no: str
    cause_of_action: str
    client_name: str
    matter: str
    lawyers: Sequence[tuple[str, str]]
    body: str
    letter_date: date

    def __post_init__(self) -> None:
        # A frozen letter must not change under the renderer because a caller kept the list.
        object.__setattr__(self, "lawyers", tuple(Lawyer(*pair) for pair in self.lawyers))


def format_letter_date(value: date) -> str:
    """Write a date the way a Chinese letter prints it, e.g. 2026年11月29日."""
    return f"{value.year}年{value.month}月{value.day}日"
