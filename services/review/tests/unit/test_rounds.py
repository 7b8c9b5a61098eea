"""The review round's state machine and the checklist rules, without I/O."""

from __future__ import annotations

import pytest
from lexseal_events import ContractSubmittedData, DocumentRef, ScanWarning, SignerInfo
from review.domain import rounds
from review.domain.checklist import check_confirmations, check_reasons, checklist_for
from review.domain.rounds import RoundState, RoundStatus
from servicekit.domain import DomainError

PENDING = RoundStatus(state=RoundState.PENDING, owner_id="lawyer-1")


def submission(*, scan: bool = False) -> ContractSubmittedData:
    return ContractSubmittedData(
        contract_id="c-1",
        round=1,
        owner_id="lawyer-1",
        owner_name="张律师",
        title="采购合同",
        contract_type="purchase",
        client_name="甲公司",
        document=DocumentRef(sha256="a" * 64, size=10, url="http://contract/internal/d"),
        signers=[
            SignerInfo(
                signer_id="s1", kind="individual", name="李四", id_number="11010519491231002X"
            ),
            SignerInfo(
                signer_id="s2",
                kind="enterprise",
                name="乙公司",
                id_number="91350100M000100Y43",
                bank_account_number="6222000011112222",
                bank_name="工商银行",
            ),
        ],
        scan_warning=ScanWarning(pages=[1, 2], reason="full-page image without text")
        if scan
        else None,
    )


def broken(fn: object, *args: object, **kw: object) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)  # type: ignore[operator]
    return info.value


def test_a_round_is_claimed_then_approved_by_its_reviewer() -> None:
    claimed = rounds.claim(PENDING, reviewer_id="risk-1")
    assert (claimed.state, claimed.claimed_by) == (RoundState.CLAIMED, "risk-1")
    assert rounds.claim(claimed, reviewer_id="risk-1") == claimed
    decided = rounds.decide(claimed, reviewer_id="risk-1", approve=True)
    assert decided.state == RoundState.APPROVED


def test_a_claimed_round_can_be_rejected() -> None:
    claimed = rounds.claim(PENDING, reviewer_id="risk-1")
    assert rounds.decide(claimed, reviewer_id="risk-1", approve=False).state == RoundState.REJECTED


def test_only_the_claimer_decides_and_a_pending_round_must_be_claimed_first() -> None:
    assert (
        broken(rounds.decide, PENDING, reviewer_id="risk-1", approve=True).code
        == "round_not_claimed"
    )
    claimed = rounds.claim(PENDING, reviewer_id="risk-1")
    err = broken(rounds.decide, claimed, reviewer_id="risk-2", approve=True)
    assert (err.status_code, err.code) == (409, "round_claimed_by_other")
    assert broken(rounds.claim, claimed, reviewer_id="risk-2").code == "round_claimed_by_other"


def test_release_returns_a_round_to_the_pending_queue() -> None:
    claimed = rounds.claim(PENDING, reviewer_id="risk-1")
    released = rounds.release(claimed, reviewer_id="risk-1")
    assert (released.state, released.claimed_by) == (RoundState.PENDING, None)
    assert broken(rounds.release, claimed, reviewer_id="risk-2").code == "round_claimed_by_other"
    assert rounds.release(claimed, reviewer_id="admin-1", force=True).state == RoundState.PENDING
    assert broken(rounds.release, PENDING, reviewer_id="risk-1").code == "round_not_claimed"


def test_nobody_reviews_their_own_application() -> None:
    err = broken(rounds.claim, PENDING, reviewer_id="lawyer-1")
    assert (err.status_code, err.code) == (403, "self_review_forbidden")


@pytest.mark.parametrize("to", [RoundState.SUPERSEDED, RoundState.WITHDRAWN])
def test_an_open_round_closes_and_then_refuses_every_action(to: RoundState) -> None:
    for start in (PENDING, rounds.claim(PENDING, reviewer_id="risk-1")):
        closed = rounds.close(start, to=to)
        assert closed.state == to
        for action in (rounds.claim, rounds.release):
            assert broken(action, closed, reviewer_id="risk-1").code == f"round_{to.value}"
        err = broken(rounds.decide, closed, reviewer_id="risk-1", approve=True)
        assert (err.status_code, err.code) == (409, f"round_{to.value}")


def test_a_decided_round_is_final() -> None:
    approved = rounds.decide(rounds.claim(PENDING, reviewer_id="r"), reviewer_id="r", approve=True)
    assert rounds.close(approved, to=RoundState.WITHDRAWN) == approved
    assert rounds.close(approved, to=RoundState.SUPERSEDED) == approved
    err = broken(rounds.decide, approved, reviewer_id="r", approve=False)
    assert (err.status_code, err.code) == (409, "round_already_decided")


def test_the_checklist_covers_document_each_signer_and_enterprise_bank_accounts() -> None:
    items = checklist_for(submission(scan=True))
    keys = [i.key for i in items]
    assert keys == [
        "document",
        "application",
        "signer:s1:identity",
        "signer:s2:identity",
        "signer:s2:bank_account",
    ]
    assert items[0].warning and "1, 2" in items[0].warning
    assert checklist_for(submission())[0].warning is None


def test_approval_needs_every_checklist_item_confirmed() -> None:
    items = checklist_for(submission())
    check_confirmations(items, [i.key for i in items])
    err = broken(check_confirmations, items, ["document", "application", "signer:s1:identity"])
    assert err.code == "checklist_incomplete"
    assert err.details == {"missing": ["signer:s2:identity", "signer:s2:bank_account"]}
    assert (
        broken(check_confirmations, items, [*(i.key for i in items), "x"]).code
        == "unknown_checklist_item"
    )


def test_rejection_reasons_come_from_the_configured_list() -> None:
    allowed = ["document_incomplete", "other"]
    assert check_reasons(["document_incomplete"] * 2, allowed=allowed, comment=None) == [
        "document_incomplete"
    ]
    assert broken(check_reasons, [], allowed=allowed, comment=None).code == "reason_required"
    assert (
        broken(check_reasons, ["amount_wrong"], allowed=allowed, comment="x").code
        == "unknown_reason_code"
    )
    assert (
        broken(check_reasons, ["other"], allowed=allowed, comment="  ").code == "comment_required"
    )
