"""What the review API reads and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from servicekit.db import as_utc, utcnow

from ..adapters.tables import ReviewRound
from ..domain.checklist import checklist_for
from ..service_layer.common import decoded_list, submission_of


class ApproveBody(BaseModel):
    """Checklist confirmations and a comment; state and reviewer are never the client's."""

    model_config = ConfigDict(extra="forbid")

    confirmations: list[str] = Field(max_length=200)
    comment: str | None = Field(default=None, max_length=2000)


class RejectBody(BaseModel):
    """Reason codes (at least one) and a comment for the applicant."""

    model_config = ConfigDict(extra="forbid")

    reasons: list[str] = Field(min_length=1, max_length=20)
    comment: str | None = Field(default=None, max_length=2000)


class ReviewItemPublic(BaseModel):
    id: str
    contract_id: str
    round: int
    title: str
    owner_id: str
    owner_name: str
    state: str
    queued_at: datetime
    waiting_seconds: int
    scan_warning: bool
    cross_page_seal: bool = Field(
        description="the lawyer asked for the firm's seal across every page's right edge (骑缝章)"
    )
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: datetime | None
    decided_by: str | None
    decided_by_name: str | None
    closed_at: datetime | None
    reasons: list[str]
    comment: str | None
    close_reason: str | None

    @classmethod
    def of(cls, row: ReviewRound) -> ReviewItemPublic:
        """Return the public view of a round, with its age in the queue."""
        end = as_utc(row.closed_at) if row.closed_at else utcnow()
        return cls(
            id=row.id,
            contract_id=row.contract_id,
            round=row.round,
            title=row.title,
            owner_id=row.owner_id,
            owner_name=row.owner_name,
            state=row.state,
            queued_at=as_utc(row.queued_at),
            waiting_seconds=max(0, int((end - as_utc(row.queued_at)).total_seconds())),
            scan_warning=submission_of(row).scan_warning is not None,
            cross_page_seal=submission_of(row).cross_page_seal,
            claimed_by=row.claimed_by,
            claimed_by_name=row.claimed_by_name,
            claimed_at=row.claimed_at,
            decided_by=row.decided_by,
            decided_by_name=row.decided_by_name,
            closed_at=row.closed_at,
            reasons=decoded_list(row.reasons),
            comment=row.comment,
            close_reason=row.close_reason,
        )


class ReviewItemsPublic(BaseModel):
    data: list[ReviewItemPublic]
    count: int
    next_cursor: str | None


class ChecklistItemPublic(BaseModel):
    key: str
    label_zh: str
    label_en: str
    warning: str | None
    confirmed: bool


class ReviewDetailPublic(ReviewItemPublic):
    submission: dict[str, Any]
    checklist: list[ChecklistItemPublic]
    history: list[ReviewItemPublic]

    @classmethod
    def detail(cls, row: ReviewRound, history: list[ReviewRound]) -> ReviewDetailPublic:
        """Return a round with its submission, checklist and the contract's rounds."""
        sub = submission_of(row)
        confirmed = set(decoded_list(row.confirmations))
        checklist = [
            ChecklistItemPublic(
                key=i.key,
                label_zh=i.label_zh,
                label_en=i.label_en,
                warning=i.warning,
                confirmed=i.key in confirmed,
            )
            for i in checklist_for(sub)
        ]
        return cls(
            **ReviewItemPublic.of(row).model_dump(),
            submission=sub.model_dump(mode="json"),
            checklist=checklist,
            history=[ReviewItemPublic.of(h) for h in history],
        )


class ReasonCodePublic(BaseModel):
    code: str
    label_zh: str
    label_en: str


class ReasonCodesPublic(BaseModel):
    data: list[ReasonCodePublic]
    count: int
