"""FastAPI dependencies of letters' routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from servicekit.app import deps_of
from servicekit.auth import ADMIN, LAWYER, LETTER_ADMIN, Principal, require_roles

from ..adapters.repository import LetterFilter
from ..deps import LettersDeps
from ..domain.case_serial import CaseSerialInvalid, normalize_case_serial

Deps = Annotated[LettersDeps, Depends(deps_of(LettersDeps))]


def letter_filter(
    deps: Deps,
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
            serial = normalize_case_serial(serial, pattern=deps.settings.case_serial_pattern)
        except CaseSerialInvalid:
            serial = serial.strip()  # a malformed serial simply matches nothing
    return LetterFilter(
        kind=kind,
        status=status,
        case_serial_no=serial or None,
        date_from=date_from,
        date_to=date_to,
    )


FilterDep = Annotated[LetterFilter, Depends(letter_filter)]
Lawyer = Annotated[Principal, Depends(require_roles(LAWYER))]
LetterAdmin = Annotated[Principal, Depends(require_roles(LETTER_ADMIN, ADMIN))]
Limit = Annotated[int, Query(ge=1, le=100)]
