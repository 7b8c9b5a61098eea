"""Letters' use cases on an in-memory unit of work: no database, no broker, no blob store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from letters.adapters.address_repository import AddressRepository
from letters.adapters.page_cache import PageImageCache
from letters.adapters.repository import DocumentRepository, LetterFilter, LetterRepository
from letters.adapters.tables import Address, Letter
from letters.config import Settings
from letters.deps import LettersDeps
from letters.domain.letters import Status
from letters.entrypoints.consumers import handlers
from letters.service_layer import addresses, applications, approvals, delivery, paper
from letters.service_layer.commands import (
    AddressCreate,
    AddressIn,
    AddressUpdate,
    DeliveryIn,
    LawyerIn,
    LetterContentIn,
    LetterCreate,
    LetterUpdate,
)
from letters.service_layer.common import today
from lexseal_events import (
    LetterApproved,
    LetterMailed,
    LetterPrinted,
    LetterRejected,
    LetterSubmitted,
    LetterWithdrawn,
    SealFailed,
    SealFailedData,
)
from servicekit.auth import LAWYER, LETTER_ADMIN, Principal
from servicekit.blobs import LocalBlobStore
from servicekit.domain import DomainError
from servicekit.testing import FakeRepository, FakeUnitOfWork, missing_tool

from .conftest import BODY, FONT_PATH

ZHANG = Principal(id="lawyer-1", username="zhang", display_name="张律师", roles=frozenset({LAWYER}))
LI = Principal(id="lawyer-2", username="li", display_name="李律师", roles=frozenset({LAWYER}))
ADMIN = Principal(
    id="admin-1", username="wang", display_name="王主任", roles=frozenset({LETTER_ADMIN})
)
HOME = AddressIn(
    name="张律师",
    phone="13800000000",
    province="北京市",
    city="北京市",
    district="朝阳区",
    street="建国路88号",
)


class FakeLetters(FakeRepository[Letter]):
    """LetterRepository over a dict, with the counter rows of the letter numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.counters: dict[tuple[int, str], int] = {}

    async def get(self, letter_id: str, *, lock: bool = False) -> Letter | None:  # type: ignore[override]
        return self.items.get(letter_id)

    async def page(
        self, *, where: LetterFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Letter]:
        rows = [
            r
            for r in self.items.values()
            if (where.owner_id is None or r.owner_id == where.owner_id)
            and (where.status is None or r.status == where.status)
            and (where.kind is None or r.kind == where.kind)
        ]
        return sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]

    async def next_number(self, *, year: int, type_code: str) -> int:
        seq = self.counters.get((year, type_code), 0) + 1
        self.counters[(year, type_code)] = seq
        return seq


@dataclass
class FakeDocuments:
    """DocumentRepository over a dict of bytes by sha256."""

    stored: dict[str, bytes]

    async def put(self, *, sha256: str, content: bytes) -> None:
        self.stored.setdefault(sha256, content)


class FakeAddresses(FakeRepository[Address]):
    """AddressRepository over a dict."""

    async def get(self, *, owner_id: str, address_id: str) -> Address | None:  # type: ignore[override]
        a = self.items.get(address_id)
        return a if a is not None and a.owner_id == owner_id else None

    async def lock_book(self, owner_id: str) -> None:
        """One unit of work at a time: nothing to wait for."""

    async def for_owner(self, owner_id: str) -> list[Address]:
        rows = [a for a in self.items.values() if a.owner_id == owner_id]
        return sorted(rows, key=lambda a: (a.is_default, a.created_at), reverse=True)

    async def default(self, owner_id: str) -> Address | None:
        return next((a for a in await self.for_owner(owner_id) if a.is_default), None)

    async def clear_default(self, owner_id: str) -> None:
        for a in self.items.values():
            if a.owner_id == owner_id:
                a.is_default = False

    async def delete(self, address: Address) -> None:
        del self.items[address.id]


@dataclass
class World:
    uow: FakeUnitOfWork
    letters: FakeLetters
    book: FakeAddresses
    documents: FakeDocuments
    settings: Settings


@pytest.fixture
def world() -> World:
    if not Path(FONT_PATH).is_file():
        missing_tool(f"font not installed: {FONT_PATH} (Debian: fonts-wqy-microhei)")
    letters, book, documents = FakeLetters(), FakeAddresses(), FakeDocuments({})
    uow = FakeUnitOfWork(
        {LetterRepository: letters, AddressRepository: book, DocumentRepository: documents},
        source="lexseal/letters",
    )
    return World(uow, letters, book, documents, Settings(font_path=Path(FONT_PATH)))


def content() -> LetterContentIn:
    return LetterContentIn(
        client_name="张三",
        matter="一审诉讼代理",
        lawyers=[LawyerIn(name="王五", licence_no="11101201510123456")],
        body=BODY,
    )


def form(w: World, **overrides: object) -> LetterCreate:
    data: dict[str, object] = {
        "kind": "electronic",
        "case_serial_no": "ms-2026-000123",
        "cause_of_action": "民间借贷纠纷",
        "letter_type": "函",
        "recipient_org": "北京市朝阳区人民法院",
        "letter_date": today(w.settings) + timedelta(days=1),
        "content": content(),
    }
    return LetterCreate.model_validate(data | overrides)


async def created(w: World, user: Principal = ZHANG, **overrides: object) -> Letter:
    async with w.uow:
        letter = await applications.create_letter(
            w.uow, settings=w.settings, user=user, data=form(w, **overrides)
        )
    return letter


async def submitted(w: World, user: Principal = ZHANG, **overrides: object) -> Letter:
    letter = await created(w, user, **overrides)
    async with w.uow:
        await applications.submit_letter(w.uow, settings=w.settings, user=user, letter_id=letter.id)
    return letter


async def approve(w: World, letter: Letter) -> None:
    """The letter administrator approves (no past-date exception asked for)."""
    async with w.uow:
        await approvals.approve_letter(
            w.uow,
            settings=w.settings,
            user=ADMIN,
            letter_id=letter.id,
            allow_past_letter_date=False,
        )


def code_of(exc: pytest.ExceptionInfo[DomainError]) -> tuple[int, str]:
    return exc.value.status_code, exc.value.code


async def refused_step(w: World, letter: Letter, target: Status) -> tuple[int, str]:
    """The status and code with which the administrator's paper step is refused."""
    async with w.uow:
        with pytest.raises(DomainError) as refused:
            await paper.record_step(w.uow, user=ADMIN, letter_id=letter.id, target=target)
    return code_of(refused)


async def test_a_new_letter_is_a_draft_with_its_audit_row_and_no_event(world: World) -> None:
    letter = await created(world)
    assert letter.status == Status.DRAFT and letter.owner_id == ZHANG.id
    assert letter.case_serial_no == "MS-2026-000123"  # normalised
    assert world.uow.actions == ["letter.created"] and world.uow.events == []
    row = world.uow.audits[0]
    assert (row["object_type"], row["object_id"], row["actor_id"]) == (
        "letter",
        letter.id,
        ZHANG.id,
    )
    assert json.loads(row["after"])["status"] == "draft" and row["before"] is None


async def test_applying_submits_once_and_publishes_letter_submitted(world: World) -> None:
    letter = await submitted(world)
    assert letter.status == Status.SUBMITTED and letter.submitted_at is not None
    assert world.uow.actions == ["letter.created", "letter.submitted"]
    [event] = world.uow.events
    assert isinstance(event, LetterSubmitted) and event.subject == letter.id
    assert event.data.case_serial_no == "MS-2026-000123" and event.source == "lexseal/letters"
    audit = world.uow.audits[1]
    assert json.loads(audit["before"])["status"] == "draft"
    assert json.loads(audit["after"])["status"] == "submitted"
    # submitted: neither editable nor submittable again; withdrawing gives it back
    async with world.uow:
        with pytest.raises(DomainError) as again:
            await applications.submit_letter(
                world.uow, settings=world.settings, user=ZHANG, letter_id=letter.id
            )
    assert code_of(again) == (409, "letter_invalid_transition")
    async with world.uow:
        await applications.withdraw_letter(world.uow, user=ZHANG, letter_id=letter.id)
    assert letter.status == Status.WITHDRAWN
    assert isinstance(world.uow.events[-1], LetterWithdrawn)


async def test_an_incomplete_letter_cannot_be_submitted(world: World) -> None:
    letter = await created(world, content=None)
    async with world.uow:
        with pytest.raises(DomainError) as refused:
            await applications.submit_letter(
                world.uow, settings=world.settings, user=ZHANG, letter_id=letter.id
            )
    assert code_of(refused) == (422, "letter_incomplete")
    assert refused.value.details == {"missing": ["content"]}
    assert letter.status == Status.DRAFT and world.uow.events == []


async def test_another_lawyer_cannot_see_or_submit_the_letter(world: World) -> None:
    letter = await created(world)
    async with world.uow:
        with pytest.raises(DomainError) as hidden:
            await applications.submit_letter(
                world.uow, settings=world.settings, user=LI, letter_id=letter.id
            )
    assert code_of(hidden) == (404, "letter_not_found")


async def test_approval_numbers_letters_per_type_and_year_without_gaps(world: World) -> None:
    first = await submitted(world)
    second = await submitted(world)
    meeting = await submitted(world, letter_type="会")
    for letter in (first, second, meeting):
        await approve(world, letter)
    year = today(world.settings).year
    assert first.number == f"（{year}）某律函字第0001号"
    assert second.number == f"（{year}）某律函字第0002号"
    assert meeting.number == f"（{year}）某律会字第0001号"
    assert (first.status, first.approver_id, first.number_seq) == (Status.APPROVED, ADMIN.id, 1)
    # the rendered PDF is stored under its hash and the event points at it
    assert first.document_sha256 in world.documents.stored
    approved = [e for e in world.uow.events if isinstance(e, LetterApproved)]
    assert [e.data.number for e in approved] == [first.number, second.number, meeting.number]
    assert approved[0].data.document.sha256 == first.document_sha256
    assert approved[0].data.document.page_count == first.page_count and first.page_count
    assert world.uow.actions.count("letter.approved") == 3


async def test_nobody_approves_their_own_letter_and_a_refusal_takes_no_number(
    world: World,
) -> None:
    letter = await submitted(world, user=ADMIN)  # a letter administrator may apply too
    async with world.uow:
        with pytest.raises(DomainError) as own:
            await approvals.approve_letter(
                world.uow,
                settings=world.settings,
                user=ADMIN,
                letter_id=letter.id,
                allow_past_letter_date=False,
            )
    assert code_of(own) == (403, "self_approval_forbidden")
    assert letter.number is None and world.letters.counters == {}


async def test_rejection_needs_a_reason_and_sends_the_letter_back(world: World) -> None:
    letter = await submitted(world)
    async with world.uow:
        with pytest.raises(DomainError) as bare:
            await approvals.reject_letter(world.uow, user=ADMIN, letter_id=letter.id, reason=" ")
    assert code_of(bare) == (422, "rejection_reason_required")
    async with world.uow:
        await approvals.reject_letter(
            world.uow, user=ADMIN, letter_id=letter.id, reason=" 收函单位有误 "
        )
    assert (letter.status, letter.rejection_reason) == (Status.REJECTED, "收函单位有误")
    [event] = [e for e in world.uow.events if isinstance(e, LetterRejected)]
    assert event.data.reason == "收函单位有误" and event.data.approver_id == ADMIN.id
    # a rejected letter is editable and may be submitted again
    async with world.uow:
        await applications.submit_letter(
            world.uow, settings=world.settings, user=ZHANG, letter_id=letter.id
        )
    assert letter.status == Status.SUBMITTED and letter.rejection_reason is None


async def test_a_past_letter_date_needs_the_administrators_exception(world: World) -> None:
    with pytest.raises(DomainError) as past:
        await created(world, letter_date=date(2020, 1, 2))
    assert code_of(past) == (422, "letter_date_in_past")
    assert world.uow.commits == 0
    letter = await created(world)
    # the owner cannot grant it to themselves
    async with world.uow:
        with pytest.raises(DomainError) as own:
            await approvals.allow_past_date(world.uow, user=ZHANG, letter_id=letter.id)
    assert code_of(own) == (403, "self_approval_forbidden")
    assert own.value.details == {"action": "allow_past_date"}
    async with world.uow:
        await approvals.allow_past_date(world.uow, user=ADMIN, letter_id=letter.id)
    assert letter.past_date_allowed
    audit = world.uow.audits[-1]
    assert audit["action"] == "letter.past_date_allowed"
    assert json.loads(audit["after"]) == {"past_date_allowed": True}
    # granted twice: nothing new is written
    commits = world.uow.commits
    async with world.uow:
        await approvals.allow_past_date(world.uow, user=ADMIN, letter_id=letter.id)
    assert world.uow.commits == commits
    # with the exception the lawyer may date the letter in the past
    async with world.uow:
        await applications.update_letter(
            world.uow,
            settings=world.settings,
            user=ZHANG,
            letter_id=letter.id,
            changes=LetterUpdate(letter_date=date(2020, 1, 2)),
        )
    assert letter.letter_date == date(2020, 1, 2)


async def test_a_paper_letter_is_mailed_only_to_the_applicant(world: World) -> None:
    with pytest.raises(DomainError) as other:
        await created(
            world,
            kind="paper",
            delivery=DeliveryIn(method="mail", address=HOME, recipient_name="李四"),
        )
    assert code_of(other) == (403, "mail_recipient_not_applicant")
    stranger = HOME.model_copy(update={"name": "李四"})
    with pytest.raises(DomainError) as elsewhere:
        await created(world, kind="paper", delivery=DeliveryIn(method="mail", address=stranger))
    assert code_of(elsewhere) == (403, "mail_recipient_not_applicant")
    # without an address in the book, mail has nowhere to go
    with pytest.raises(DomainError) as nowhere:
        await created(world, kind="paper", delivery=DeliveryIn(method="mail"))
    assert code_of(nowhere) == (422, "mail_address_required")
    letter = await created(
        world, kind="paper", delivery=DeliveryIn(method="mail", address=HOME, save_to_book=True)
    )
    assert (letter.delivery, letter.mail_recipient_id) == ("mail", ZHANG.id)
    assert json.loads(letter.mail_address_json or "{}")["street"] == "建国路88号"
    [saved] = world.book.items.values()  # saved to the book, and default as the first one
    assert saved.is_default and saved.owner_id == ZHANG.id
    # an electronic letter has no delivery at all
    with pytest.raises(DomainError) as electronic:
        await created(world, delivery=DeliveryIn(method="pickup"))
    assert code_of(electronic) == (422, "delivery_not_for_electronic")


async def test_a_mailed_paper_letter_is_printed_then_mailed_with_tracking(world: World) -> None:
    async with world.uow:
        await addresses.add_address(world.uow, user=ZHANG, data=AddressCreate(**HOME.model_dump()))
    letter = await submitted(world, kind="paper", delivery=DeliveryIn(method="mail"))
    assert json.loads(letter.mail_address_json or "{}")["district"] == "朝阳区"  # the default
    await approve(world, letter)
    assert await refused_step(world, letter, Status.MAILED) == (409, "letter_invalid_transition")
    assert await refused_step(world, letter, Status.READY_FOR_PICKUP) == (
        409,
        "letter_wrong_delivery_method",
    )
    async with world.uow:
        await paper.record_step(world.uow, user=ADMIN, letter_id=letter.id, target=Status.PRINTED)
    assert await refused_step(world, letter, Status.MAILED) == (422, "tracking_required")
    async with world.uow:
        await paper.record_step(
            world.uow,
            user=ADMIN,
            letter_id=letter.id,
            target=Status.MAILED,
            courier="顺丰",
            tracking_no=" SF123 ",
        )
    assert (letter.status, letter.tracking_no) == (Status.MAILED, "SF123")
    kinds = [type(e) for e in world.uow.events][-2:]
    assert kinds == [LetterPrinted, LetterMailed]
    assert world.uow.actions[-2:] == ["letter.printed", "letter.mailed"]


async def test_the_address_book_always_has_exactly_one_default(world: World) -> None:
    async with world.uow:
        first = await addresses.add_address(
            world.uow, user=ZHANG, data=AddressCreate(**HOME.model_dump())
        )
    assert first.is_default  # the first address becomes the default
    office = HOME.model_dump() | {"street": "光华路1号"}
    async with world.uow:
        second = await addresses.add_address(world.uow, user=ZHANG, data=AddressCreate(**office))
    assert not second.is_default and first.is_default
    async with world.uow:
        await addresses.update_address(
            world.uow, user=ZHANG, address_id=second.id, data=AddressUpdate(is_default=True)
        )
    assert second.is_default and not first.is_default
    assert [a.id for a in world.book.items.values() if a.is_default] == [second.id]
    async with world.uow:
        await addresses.delete_address(world.uow, user=ZHANG, address_id=second.id)
    assert first.is_default  # the remaining one takes over
    assert world.uow.actions == [
        "address.created",
        "address.created",
        "address.updated",
        "address.deleted",
    ]
    audit = world.uow.audits
    assert audit[0]["object_type"] == "address" and audit[0]["object_id"] == first.id
    assert json.loads(audit[2]["before"])["is_default"] is False
    assert json.loads(audit[2]["after"])["is_default"] is True
    assert json.loads(audit[3]["before"])["street"] == "光华路1号"
    # the book holds the lawyer's own addresses only
    async with world.uow:
        with pytest.raises(DomainError) as foreign:
            await addresses.add_address(
                world.uow,
                user=ZHANG,
                data=AddressCreate(**(HOME.model_dump() | {"name": "李四"})),
            )
    assert code_of(foreign) == (403, "mail_recipient_not_applicant")
    # and another lawyer cannot touch them
    async with world.uow:
        with pytest.raises(DomainError) as missing:
            await addresses.delete_address(world.uow, user=LI, address_id=first.id)
    assert code_of(missing) == (404, "address_not_found")


async def test_changing_delivery_of_a_submitted_letter_is_refused(world: World) -> None:
    letter = await submitted(world, kind="paper", delivery=DeliveryIn(method="pickup"))
    async with world.uow:
        with pytest.raises(DomainError) as refused:
            await delivery.put_delivery(
                world.uow, user=ZHANG, letter_id=letter.id, data=DeliveryIn(method="pickup")
            )
    assert code_of(refused) == (409, "letter_not_editable")


async def test_a_seal_failure_is_kept_on_the_letter_through_the_handler(
    world: World, tmp_path: Path
) -> None:
    letter = await submitted(world)
    await approve(world, letter)
    deps = LettersDeps(
        settings=world.settings,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        page_images=PageImageCache(tmp_path / "pages", max_bytes=1 << 20),
    )
    consumer = handlers.bind(deps)
    event = SealFailed(
        source="lexseal/signing",
        subject=letter.id,
        data=SealFailedData(
            kind="letter",
            ref_id=letter.id,
            owner_id=ZHANG.id,
            code="tsa_down",
            reason="TSA timeout",
        ),
    )
    assert await consumer.apply(event, lambda: world.uow) == "applied"
    assert letter.seal_error == "tsa_down: TSA timeout" and letter.status == Status.APPROVED
    audit = world.uow.audits[-1]
    assert (audit["action"], audit["actor_id"]) == ("letter.seal_failed", "system")
    assert json.loads(audit["after"]) == {"code": "tsa_down", "reason": "TSA timeout"}
    assert await consumer.apply(event, lambda: world.uow) == "duplicate"
