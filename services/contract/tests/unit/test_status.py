"""The lifecycle rules, independent of HTTP and the database."""

from __future__ import annotations

import pytest
from contract.domain.status import Action, Status, TransitionRefused, allowed, editable, next_status

S = Status


def test_the_happy_path_runs_from_draft_to_completed() -> None:
    status = S.DRAFT
    for action in (
        Action.SUBMIT,
        Action.APPROVE,
        Action.INVITE,
        Action.COUNTERPARTY_SIGN,
        Action.ALL_COUNTERPARTIES_SIGNED,
        Action.COMPLETE,
    ):
        status = next_status(action, status)
    assert status is S.COMPLETED


def test_a_rejected_application_is_editable_and_resubmittable() -> None:
    rejected = next_status(Action.REJECT, S.SUBMITTED)
    assert rejected is S.REJECTED and editable(rejected)
    assert next_status(Action.SUBMIT, rejected) is S.SUBMITTED


@pytest.mark.parametrize("status", [s for s in Status if s not in (S.DRAFT, S.REJECTED)])
def test_only_drafts_and_rejected_applications_can_be_edited_or_submitted(status: Status) -> None:
    assert not editable(status)
    with pytest.raises(TransitionRefused) as refused:
        next_status(Action.SUBMIT, status)
    assert refused.value.status is status and refused.value.action is Action.SUBMIT


def test_the_firm_cannot_finish_before_review_and_review_only_decides_submissions() -> None:
    assert not allowed(Action.COMPLETE, S.SUBMITTED)
    assert not allowed(Action.COMPLETE, S.DRAFT)
    assert not allowed(Action.APPROVE, S.WITHDRAWN)
    assert not allowed(Action.REJECT, S.APPROVED)
    assert not allowed(Action.ALL_COUNTERPARTIES_SIGNED, S.SUBMITTED)


@pytest.mark.parametrize("end", [S.COMPLETED, S.WITHDRAWN, S.DECLINED, S.VOIDED, S.EXPIRED])
def test_ended_applications_stay_ended(end: Status) -> None:
    assert [a for a in Action if allowed(a, end)] == []


def test_withdrawal_is_refused_once_every_counterparty_has_signed() -> None:
    assert allowed(Action.WITHDRAW, S.SIGNING)
    assert not allowed(Action.WITHDRAW, S.COUNTERPARTY_SIGNED)


@pytest.mark.parametrize("action", [Action.DECLINE, Action.VOID, Action.EXPIRE])
def test_signing_can_end_early_from_any_signing_stage(action: Action) -> None:
    for status in (S.APPROVED, S.SIGNING, S.COUNTERPARTY_SIGNED):
        assert next_status(action, status) not in (S.COMPLETED, status)
