"""Dependencies the letters routes share."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from servicekit.auth import ADMIN, LAWYER, LETTER_ADMIN, Principal, require_roles

from ..adapters.page_cache import PageImageCache
from ..adapters.repository import LetterFilter
from ..config import Settings
from ..domain.case_serial import CaseSerialInvalid, normalize_case_serial


def get_settings(request: Request) -> Settings:
    """Return the running service's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_page_images(request: Request) -> PageImageCache:
    """Return the running service's page-image cache."""
    cache: PageImageCache = request.app.state.page_images
    return cache


def letter_filter(
    settings: Annotated[Settings, Depends(get_settings)],
    kind: Annotated[str | None, Query(pattern="^(electronic|paper)$")] = None,
    status: str | None = None,
    case_serial_no: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> LetterFilter:
    """Return the list filter from the query string."""
    serial = case_serial_no
    if serial:
        try:
            serial = normalize_case_serial(serial, pattern=settings.case_serial_pattern)
        except CaseSerialInvalid:
            serial = serial.strip()  # a malformed serial simply matches nothing
    return LetterFilter(
        kind=kind,
        status=status,
        case_serial_no=serial or None,
        date_from=date_from,
        date_to=date_to,
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
PageImagesDep = Annotated[PageImageCache, Depends(get_page_images)]
FilterDep = Annotated[LetterFilter, Depends(letter_filter)]
Lawyer = Annotated[Principal, Depends(require_roles(LAWYER))]
LetterAdmin = Annotated[Principal, Depends(require_roles(LETTER_ADMIN, ADMIN))]
Limit = Annotated[int, Query(ge=1, le=100)]
