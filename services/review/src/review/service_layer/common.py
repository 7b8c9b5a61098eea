"""What the use cases share: the rules' view of a round, its submission, JSON list columns."""

from __future__ import annotations

import json

from lexseal_events import ContractSubmittedData

from ..adapters.tables import ReviewRound
from ..domain.rounds import RoundState, RoundStatus


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
