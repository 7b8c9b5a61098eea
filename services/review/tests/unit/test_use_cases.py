"""Review's use cases on an in-memory unit of work: no database, no broker."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta

import pytest
from lexseal_events import (
    ContractSubmitted,
    ContractSubmittedData,
    ContractWithdrawn,
    ContractWithdrawnData,
    DocumentRef,
    ReviewApproved,
    ReviewRejected,
    SignerInfo,
)
from review.adapters.repository import RoundRepository
from review.adapters.tables import ReviewRound
from review.config import Settings
from review.deps import ReviewDeps
from review.domain.rounds import OPEN
from review.entrypoints.consumers import handlers
from review.service_layer import decisions, queries
from servicekit.auth import ADMIN, RISK_CONTROL, Principal
from servicekit.domain import DomainError
from servicekit.testing import FakeRepository, FakeUnitOfWork

RISK = Principal(
    id="risk-1", username="risk1", display_name="风控甲", roles=frozenset({RISK_CONTROL})
)
RISK2 = Principal(
    id="risk-2", username="risk2", display_name="风控乙", roles=frozenset({RISK_CONTROL})
)
ADMIN_USER = Principal(
    id="admin-1", username="admin", display_name="管理员", roles=frozenset({ADMIN})
)
LAWYER = Principal(id="lawyer-1", username="lawyer", display_name="张律师")
CONFIRM_ALL = ["document", "application", "signer:s1:identity"]


class FakeRounds(FakeRepository[ReviewRound]):
    """RoundRepository's queries over a dict."""

    async def for_contract(
        self, contract_id: str, *, for_update: bool = False
    ) -> list[ReviewRound]:
        rows = [r for r in self.items.values() if r.contract_id == contract_id]
        return sorted(rows, key=lambda r: (r.round, r.queued_at), reverse=True)

    async def open_for_contract(self, contract_id: str) -> list[ReviewRound]:
        return [r for r in await self.for_contract(contract_id) if r.state in OPEN]

    async def queue(
        self,
        *,
        states: Collection[str],
        sort: str,
        oldest_first: bool,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ReviewRound]:
        rows = [r for r in self.items.values() if r.state in states]
        rows.sort(key=lambda r: (getattr(r, sort), r.id), reverse=not oldest_first)
        if after is not None:
            key = after
            rows = [
                r
                for r in rows
                if (
                    (getattr(r, sort), r.id) > key
                    if oldest_first
                    else (getattr(r, sort), r.id) < key
                )
            ]
        return rows[:limit]

    async def count(self, *, states: Collection[str]) -> int:
        return sum(1 for r in self.items.values() if r.state in states)


def new_uow() -> tuple[FakeUnitOfWork, FakeRounds]:
    rounds = FakeRounds()
    return FakeUnitOfWork({RoundRepository: rounds}, source="lexseal/review"), rounds


def submitted(contract_id: str = "c-1", *, round: int = 1, minutes: int = 0) -> ContractSubmitted:
    return ContractSubmitted(
        source="lexseal/contract",
        subject=contract_id,
        time=datetime(2026, 1, 1, 9, 0) + timedelta(minutes=minutes),
        data=ContractSubmittedData(
            contract_id=contract_id,
            round=round,
            owner_id="lawyer-1",
            owner_name="张律师",
            title="采购合同",
            contract_type="purchase",
            client_name="甲公司",
            document=DocumentRef(sha256="a" * 64, size=10, url="http://contract/internal/d"),
            signers=[
                SignerInfo(
                    signer_id="s1", kind="individual", name="李四", id_number="11010519491231002X"
                )
            ],
        ),
    )


async def queued(uow: FakeUnitOfWork, rounds: FakeRounds, event: ContractSubmitted) -> ReviewRound:
    consumer = handlers.bind(ReviewDeps(settings=Settings()))
    assert await consumer.apply(event, lambda: uow) == "applied"
    [row] = [r for r in rounds.items.values() if r.event_id == event.id]
    return row


def refused(exc: pytest.ExceptionInfo[DomainError]) -> tuple[int, str]:
    return exc.value.status_code, exc.value.code


async def test_a_submission_queues_a_round_with_its_audit_row() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    assert (row.state, row.round, row.owner_id) == ("pending", 1, "lawyer-1")
    assert uow.actions == ["review.queued"] and uow.events == [] and uow.commits == 1
    assert json.loads(uow.audits[0]["after"])["state"] == "pending"
    assert uow.audits[0]["object_type"] == "review_round"
    assert uow.audits[0]["object_id"] == row.id and uow.audits[0]["actor_id"] == "system"
    # the same event again is a duplicate the inbox skips
    consumer = handlers.bind(ReviewDeps(settings=Settings()))
    assert await consumer.apply(submitted(), lambda: uow) == "applied"  # a new event id
    event = submitted("c-2")
    assert await consumer.apply(event, lambda: uow) == "applied"
    assert await consumer.apply(event, lambda: uow) == "duplicate"


async def test_claim_then_approve_records_audit_rows_and_publishes_review_approved() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    async with uow:
        await decisions.claim(uow, user=RISK, round_id=row.id)
    async with uow:
        await decisions.claim(uow, user=RISK, round_id=row.id)  # re-claiming one's own: no-op
    assert uow.actions == ["review.queued", "review.claimed"]
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.approve(
                uow, user=RISK, round_id=row.id, confirmations=CONFIRM_ALL[:2], comment=None
            )
    assert refused(info) == (422, "checklist_incomplete")
    assert info.value.details == {"missing": ["signer:s1:identity"]}
    async with uow:
        await decisions.approve(
            uow, user=RISK, round_id=row.id, confirmations=CONFIRM_ALL, comment="  好 "
        )
    assert row.state == "approved" and row.comment == "好" and row.decided_by == "risk-1"
    assert uow.actions == ["review.queued", "review.claimed", "review.approved"]
    approved = uow.audits[-1]
    assert json.loads(approved["before"])["state"] == "claimed"
    assert json.loads(approved["after"])["state"] == "approved"
    assert approved["actor_id"] == "risk-1"
    [event] = uow.events
    assert isinstance(event, ReviewApproved)
    assert (event.source, event.subject, event.data.review_id) == ("lexseal/review", "c-1", row.id)
    assert event.data.reviewer_name == "风控甲" and event.data.signers[0].signer_id == "s1"


async def test_reject_needs_known_reasons_and_publishes_review_rejected() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    async with uow:
        await decisions.claim(uow, user=RISK, round_id=row.id)
    allowed = ["amount_wrong", "other"]
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.reject(
                uow, user=RISK, round_id=row.id, reasons=["other"], comment=" ", allowed=allowed
            )
    assert refused(info) == (422, "comment_required")
    assert uow.events == [] and row.state == "claimed"
    async with uow:
        await decisions.reject(
            uow,
            user=RISK,
            round_id=row.id,
            reasons=["amount_wrong", "amount_wrong"],
            comment="金额不符",
            allowed=allowed,
        )
    [event] = uow.events
    assert isinstance(event, ReviewRejected) and event.data.reasons == ["amount_wrong"]
    assert uow.actions[-1] == "review.rejected"
    assert json.loads(uow.audits[-1]["after"])["reasons"] == ["amount_wrong"]


async def test_only_the_claimer_or_an_admin_releases_and_nobody_reviews_their_own() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.claim(uow, user=LAWYER, round_id=row.id)
    assert refused(info) == (403, "self_review_forbidden")
    async with uow:
        await decisions.claim(uow, user=RISK, round_id=row.id)
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.release(uow, user=RISK2, round_id=row.id)
    assert refused(info) == (409, "round_claimed_by_other")
    assert info.value.details == {"claimed_by": "risk-1"}
    async with uow:
        await decisions.release(uow, user=ADMIN_USER, round_id=row.id)
    assert (row.state, row.claimed_by, row.claimed_by_name) == ("pending", None, None)
    assert uow.actions[-1] == "review.released" and uow.audits[-1]["actor_id"] == "admin-1"
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.claim(uow, user=RISK, round_id="nope")
    assert refused(info) == (404, "review_not_found")


async def test_a_resubmission_supersedes_the_open_round_and_a_late_older_one_is_history() -> None:
    uow, rounds = new_uow()
    first = await queued(uow, rounds, submitted(round=1))
    second = await queued(uow, rounds, submitted(round=2, minutes=5))
    assert (first.state, second.state) == ("superseded", "pending")
    assert first.close_reason == "resubmitted as round 2"
    assert uow.actions == ["review.queued", "review.superseded", "review.queued"]
    late = await queued(uow, rounds, submitted(round=1, minutes=9))
    assert late.state == "superseded" and late.close_reason == "round 2 was submitted later"
    assert second.state == "pending"
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.claim(uow, user=RISK, round_id=first.id)
    assert refused(info) == (409, "round_superseded")


async def test_a_withdrawal_closes_the_open_round_but_never_a_decided_one() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    consumer = handlers.bind(ReviewDeps(settings=Settings()))

    def withdrawn(contract_id: str) -> ContractWithdrawn:
        return ContractWithdrawn(
            source="lexseal/contract",
            subject=contract_id,
            data=ContractWithdrawnData(
                contract_id=contract_id, round=1, owner_id="lawyer-1", actor_id="lawyer-1"
            ),
        )

    decided = await queued(uow, rounds, submitted("c-2"))
    async with uow:
        await decisions.claim(uow, user=RISK, round_id=decided.id)
        await decisions.approve(
            uow, user=RISK, round_id=decided.id, confirmations=CONFIRM_ALL, comment=None
        )
    assert await consumer.apply(withdrawn("c-2"), lambda: uow) == "applied"
    assert decided.state == "approved" and uow.actions[-1] == "review.approved"
    assert await consumer.apply(withdrawn("c-1"), lambda: uow) == "applied"
    assert (row.state, row.close_reason) == ("withdrawn", "withdrawn by the applicant")
    assert uow.actions[-1] == "review.withdrawn" and uow.audits[-1]["actor_id"] == "system"
    async with uow:
        with pytest.raises(DomainError) as info:
            await decisions.claim(uow, user=RISK, round_id=row.id)
    assert refused(info) == (409, "round_withdrawn")


async def test_a_refused_action_commits_nothing() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    commits = uow.commits
    async with uow:
        with pytest.raises(DomainError):
            await decisions.approve(
                uow, user=RISK, round_id=row.id, confirmations=CONFIRM_ALL, comment=None
            )
    assert uow.commits == commits and uow.events == [] and row.state == "pending"


async def test_the_queue_pages_oldest_waiting_first() -> None:
    uow, rounds = new_uow()
    rows = [await queued(uow, rounds, submitted(f"c-{n}", minutes=n)) for n in range(3)]
    async with uow:
        page = await queries.queue(uow, view="pending", cursor=None, limit=2)
        assert [r.id for r in page.rows] == [rows[0].id, rows[1].id] and page.count == 3
        assert page.next_cursor is not None
        rest = await queries.queue(uow, view="pending", cursor=page.next_cursor, limit=2)
        assert [r.id for r in rest.rows] == [rows[2].id] and rest.next_cursor is None
        with pytest.raises(DomainError) as info:
            await queries.queue(uow, view="pending", cursor="garbage!", limit=2)
    assert refused(info) == (422, "invalid_cursor")


async def test_the_applicant_reads_their_own_rounds_and_others_get_not_found() -> None:
    uow, rounds = new_uow()
    row = await queued(uow, rounds, submitted())
    async with uow:
        got, history = await queries.item(uow, user=LAWYER, round_id=row.id)
        assert got is row and history == [row]
        other = Principal(id="lawyer-2", username="l2", display_name="王律师")
        with pytest.raises(DomainError) as info:
            await queries.contract_rounds(uow, user=other, contract_id="c-1")
    assert refused(info) == (404, "review_not_found")
