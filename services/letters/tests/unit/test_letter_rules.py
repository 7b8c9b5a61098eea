"""The letter's status rules and the service's refusal to start without its font."""

from __future__ import annotations

from datetime import date

import pytest
from letters.bootstrap import create_app
from letters.config import Settings
from letters.domain import letters as rules
from letters.domain.errors import (
    InvalidTransition,
    LetterDateInPast,
    LetterIncomplete,
    MailAddressRequired,
    NotEditable,
    SelfApprovalForbidden,
    WrongDeliveryMethod,
)
from letters.domain.letters import Delivery, Kind, Status

TODAY = date(2026, 11, 29)


def test_letter_date_before_today_needs_permission() -> None:
    with pytest.raises(LetterDateInPast):
        rules.check_letter_date(letter_date=date(2026, 11, 28), today=TODAY, past_allowed=False)
    rules.check_letter_date(letter_date=date(2026, 11, 28), today=TODAY, past_allowed=True)
    rules.check_letter_date(letter_date=TODAY, today=TODAY, past_allowed=False)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REJECTED, Status.WITHDRAWN])
def test_draft_rejected_and_withdrawn_letters_are_editable(status: Status) -> None:
    rules.ensure_editable(status)


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.SEALED])
def test_submitted_or_approved_letters_are_not_editable(status: Status) -> None:
    with pytest.raises(NotEditable):
        rules.ensure_editable(status)


def test_paper_letter_needs_delivery_and_mail_an_address() -> None:
    with pytest.raises(LetterIncomplete) as exc:
        rules.check_submittable(
            status=Status.DRAFT,
            kind=Kind.PAPER,
            has_content=False,
            delivery=None,
            has_mail_address=False,
        )
    assert exc.value.details == {"missing": ["content", "delivery"]}
    with pytest.raises(MailAddressRequired):
        rules.check_submittable(
            status=Status.DRAFT,
            kind=Kind.PAPER,
            has_content=True,
            delivery=Delivery.MAIL,
            has_mail_address=False,
        )
    rules.check_submittable(
        status=Status.DRAFT,
        kind=Kind.ELECTRONIC,
        has_content=True,
        delivery=None,
        has_mail_address=False,
    )


def test_applicant_cannot_decide_own_letter() -> None:
    with pytest.raises(SelfApprovalForbidden):
        rules.check_decidable(status=Status.SUBMITTED, owner_id="u1", approver_id="u1")
    with pytest.raises(InvalidTransition):
        rules.check_decidable(status=Status.DRAFT, owner_id="u1", approver_id="u2")


def test_only_electronic_letters_become_sealed() -> None:
    assert rules.status_after_sealing(kind=Kind.ELECTRONIC, status=Status.APPROVED) is Status.SEALED
    assert rules.status_after_sealing(kind=Kind.PAPER, status=Status.PRINTED) is Status.PRINTED


@pytest.mark.parametrize(
    ("delivery", "path"),
    [
        (Delivery.MAIL, [Status.PRINTED, Status.MAILED, Status.RECEIVED]),
        (Delivery.PICKUP, [Status.PRINTED, Status.READY_FOR_PICKUP, Status.PICKED_UP]),
    ],
)
def test_paper_steps_follow_the_delivery_method(delivery: Delivery, path: list[Status]) -> None:
    status = Status.APPROVED
    for target in path:
        status = rules.next_paper_status(
            kind=Kind.PAPER, status=status, delivery=delivery, target=target
        )
    assert status is path[-1]


def test_paper_steps_refuse_skips_and_the_wrong_method() -> None:
    with pytest.raises(InvalidTransition):
        rules.next_paper_status(
            kind=Kind.PAPER, status=Status.APPROVED, delivery=Delivery.MAIL, target=Status.MAILED
        )
    with pytest.raises(WrongDeliveryMethod):
        rules.next_paper_status(
            kind=Kind.PAPER,
            status=Status.PRINTED,
            delivery=Delivery.MAIL,
            target=Status.READY_FOR_PICKUP,
        )
    with pytest.raises(InvalidTransition):
        rules.next_paper_status(
            kind=Kind.ELECTRONIC, status=Status.APPROVED, delivery=None, target=Status.PRINTED
        )


def test_service_refuses_to_start_without_its_font() -> None:
    settings = Settings(environment="test", font_path="/nonexistent/font.ttc")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="LETTERS_FONT_PATH"):
        create_app(settings)


def test_settings_refuse_a_number_pattern_that_would_repeat() -> None:
    with pytest.raises(ValueError, match="year"):
        Settings(number_pattern="{prefix}{type_code}字第{seq:04d}号")


def test_letter_types_come_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "LETTERS_LETTER_TYPES", '[{"code": "证", "name_zh": "证明函", "name_en": "Cert"}]'
    )
    assert [t.code for t in Settings().letter_types] == ["证"]
    assert Settings().letter_types[0].cross_page_seal is False


def test_a_letter_type_may_take_the_cross_page_seal(monkeypatch: pytest.MonkeyPatch) -> None:
    one = '{"code": "证", "name_zh": "证明函", "name_en": "Cert", "cross_page_seal": %s}'
    monkeypatch.setenv("LETTERS_LETTER_TYPES", "[" + one % "true" + "]")
    assert Settings().letter_types[0].cross_page_seal is True
    monkeypatch.setenv("LETTERS_LETTER_TYPES", "[" + one % '"yes"' + "]")
    with pytest.raises(ValueError, match="cross_page_seal"):
        Settings()
