"""What the use cases share: rule errors as HTTP errors, rule views, snapshots."""

from __future__ import annotations

import json
from typing import Any

from lexseal_events import ContractSubmittedData
from servicekit.errors import AppError, Conflict, Forbidden, Invalid

from ..adapters.tables import ReviewRound
from ..domain.rounds import RoundState, RoundStatus, RuleBroken

_KINDS: dict[str, type[AppError]] = {
    "conflict": Conflict,
    "forbidden": Forbidden,
    "invalid": Invalid,
}


def as_app_error(exc: RuleBroken) -> AppError:
    """Return the HTTP error a broken review rule answers with."""
    return _KINDS[exc.kind](exc.en, exc.zh, code=exc.code, details=exc.details)


def status_of(row: ReviewRound) -> RoundStatus:
    """Return the part of a round the rules look at."""
    return RoundStatus(
        state=RoundState(row.state), owner_id=row.owner_id, claimed_by=row.claimed_by
    )


def submission_of(row: ReviewRound) -> ContractSubmittedData:
    """Return the contract.submitted payload the round was opened from."""
    return ContractSubmittedData.model_validate_json(row.submission)


def decoded_list(raw: str | None) -> list[str]:
    """Return a JSON list column as a list."""
    return list(json.loads(raw)) if raw else []


def snapshot(row: ReviewRound) -> dict[str, Any]:
    """Return the audit-relevant fields of a round."""
    return {
        "state": row.state,
        "round": row.round,
        "claimed_by": row.claimed_by,
        "decided_by": row.decided_by,
        "reasons": decoded_list(row.reasons),
        "comment": row.comment,
        "close_reason": row.close_reason,
    }
