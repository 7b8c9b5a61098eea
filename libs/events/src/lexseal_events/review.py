"""Events published by the review (risk-control) service."""

from __future__ import annotations

from typing import Literal

from .common import DocumentRef, SignerInfo
from .envelope import CloudEvent, Payload


class ReviewApprovedData(Payload):
    contract_id: str
    review_id: str
    round: int
    reviewer_id: str
    reviewer_name: str
    owner_id: str
    title: str
    document: DocumentRef
    signers: list[SignerInfo]
    comment: str | None = None
    # carried from the submission: the firm's signature also seals across the pages (骑缝章)
    cross_page_seal: bool = False


class ReviewApproved(CloudEvent):
    """Risk control approved a contract application round."""

    type: Literal["review.approved"] = "review.approved"
    data: ReviewApprovedData


class ReviewRejectedData(Payload):
    contract_id: str
    review_id: str
    round: int
    reviewer_id: str
    reviewer_name: str
    owner_id: str
    title: str
    reasons: list[str]
    comment: str | None = None


class ReviewRejected(CloudEvent):
    """Risk control rejected a contract application round, with reason codes."""

    type: Literal["review.rejected"] = "review.rejected"
    data: ReviewRejectedData
