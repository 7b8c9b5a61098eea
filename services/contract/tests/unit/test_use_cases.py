"""Contract's use cases on an in-memory unit of work: no database, no broker."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pdf_factory as pdfs
import pytest
from cnid import make_resident_id
from contract.adapters.document_store import DocumentStore, Spool
from contract.adapters.repository import ContractRepository
from contract.adapters.tables import Contract, Document, Signer, StatusChange
from contract.config import Settings
from contract.deps import ContractDeps
from contract.domain.status import Status
from contract.entrypoints.consumers import handlers
from contract.service_layer import contracts, documents, events, signers
from contract.service_layer.documents import UploadLimits
from lexseal_events import (
    Completed,
    CompletedData,
    ContractSubmitted,
    ContractWithdrawn,
    CounterpartySigned,
    CounterpartySignedData,
    DocumentRef,
    ReviewApproved,
    ReviewApprovedData,
    ReviewRejected,
    ReviewRejectedData,
)
from servicekit.auth import LAWYER, Principal
from servicekit.domain import DomainError
from servicekit.testing import FakeRepository, FakeUnitOfWork

OWNER = Principal(id="lawyer-1", username="zhang", display_name="张律师", roles=frozenset({LAWYER}))
OTHER = Principal(id="lawyer-2", username="wang", display_name="王律师", roles=frozenset({LAWYER}))
BASE = "http://contract.internal:8101"
LIMITS = UploadLimits(max_bytes=2_000_000, max_pages=50, timeout_s=30)
RESIDENT_ID = make_resident_id(seq=42)


class FakeContracts(FakeRepository[Contract]):
    """ContractRepository's reads and writes over dicts and lists."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, Document] = {}
        self.signer_rows: dict[str, Signer] = {}
        self.changes: list[StatusChange] = []

    def add(self, row: Contract | Document | Signer | StatusChange) -> None:  # type: ignore[override]
        if isinstance(row, Contract):
            self.items[row.id] = row
        elif isinstance(row, Document):
            self.documents[row.sha256] = row
        elif isinstance(row, Signer):
            self.signer_rows[row.id] = row
        else:
            self.changes.append(row)

    async def document(self, sha256: str) -> Document | None:
        return self.documents.get(sha256)

    async def keep_document(self, document: Document) -> Document:
        return self.documents.setdefault(document.sha256, document)

    async def signers(self, contract_id: str) -> list[Signer]:
        rows = [s for s in self.signer_rows.values() if s.contract_id == contract_id]
        return sorted(rows, key=lambda s: s.position)

    async def signer(self, *, contract_id: str, signer_id: str) -> Signer | None:
        row = self.signer_rows.get(signer_id)
        return row if row is not None and row.contract_id == contract_id else None

    async def delete_signer(self, signer: Signer) -> None:
        del self.signer_rows[signer.id]

    async def timeline(self, contract_id: str) -> list[StatusChange]:
        return [c for c in self.changes if c.contract_id == contract_id]


def new_uow() -> tuple[FakeUnitOfWork, FakeContracts]:
    repo = FakeContracts()
    return FakeUnitOfWork({ContractRepository: repo}, source="lexseal/contract"), repo


def refused(exc: pytest.ExceptionInfo[DomainError]) -> tuple[int, str]:
    return exc.value.status_code, exc.value.code


FIELDS = {"title": "法律服务委托合同", "contract_type": "service", "client_name": "甲公司"}


async def draft(uow: FakeUnitOfWork, **fields: Any) -> Contract:
    async with uow:
        return await contracts.create_contract(uow, user=OWNER, fields=FIELDS | fields)


async def ready(uow: FakeUnitOfWork, repo: FakeContracts, *, scan: list[int] = ()) -> Contract:  # type: ignore[assignment]
    """A draft with a document and one signer: ready to submit."""
    contract = await draft(uow, amount="1200.50")
    sha = hashlib.sha256(b"pdf").hexdigest()
    repo.add(Document(sha256=sha, size=3, page_count=2, scan_suspect_pages=list(scan)))
    contract.document_sha256, contract.document_filename = sha, "合同.pdf"
    async with uow:
        await signers.add_signer(
            uow,
            user=OWNER,
            contract_id=contract.id,
            kind="individual",
            values={"name": "李四", "id_number": RESIDENT_ID, "mobile": "13812345678"},
        )
    return contract


async def submitted(uow: FakeUnitOfWork, repo: FakeContracts) -> Contract:
    contract = await ready(uow, repo)
    async with uow:
        await contracts.submit_contract(
            uow, user=OWNER, contract_id=contract.id, internal_base_url=BASE
        )
    return contract


def audit(uow: FakeUnitOfWork, action: str) -> dict[str, Any]:
    [row] = [a for a in uow.audits if a["action"] == action]
    return row


async def test_create_records_the_draft_on_the_timeline_and_in_the_audit_log() -> None:
    uow, repo = new_uow()
    contract = await draft(uow, amount="120000.5", cross_page_seal=True)
    assert contract.status == "draft" and contract.amount is not None
    assert str(contract.amount) == "120000.50" and contract.owner_name == "张律师"
    [change] = repo.changes
    assert (change.action, change.from_status, change.to_status) == ("create", None, "draft")
    row = audit(uow, "contract.create")
    assert row["object_type"] == "contract" and row["object_id"] == contract.id
    assert row["actor_id"] == "lawyer-1" and row["before"] is None
    assert json.loads(row["after"])["cross_page_seal"] is True
    assert uow.events == [] and uow.commits == 1


async def test_a_bad_amount_is_refused_with_its_reason() -> None:
    uow, _ = new_uow()
    with pytest.raises(DomainError) as exc:
        await draft(uow, amount="12.345")
    assert refused(exc) == (422, "amount_invalid")
    assert exc.value.details == {"reason": "more than two decimals"}
    assert exc.value.message("zh") == "金额须为不小于零、最多两位小数的人民币数额"
    assert uow.commits == 0


async def test_submit_needs_a_document_and_a_signer() -> None:
    uow, repo = new_uow()
    contract = await draft(uow)
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.submit_contract(
                uow, user=OWNER, contract_id=contract.id, internal_base_url=BASE
            )
    assert refused(exc) == (409, "document_required")
    sha = "b" * 64
    repo.add(Document(sha256=sha, size=3, page_count=1))
    contract.document_sha256 = sha
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.submit_contract(
                uow, user=OWNER, contract_id=contract.id, internal_base_url=BASE
            )
    assert refused(exc) == (409, "signers_required")
    assert exc.value.message("en") == "Add at least one signer first"
    assert contract.status == "draft" and contract.round == 0
    assert uow.commits == 1 and uow.events == []  # only the creation committed


async def test_submit_opens_a_round_and_publishes_what_risk_control_needs() -> None:
    uow, repo = new_uow()
    contract = await ready(uow, repo, scan=[2])
    async with uow:
        await contracts.submit_contract(
            uow, user=OWNER, contract_id=contract.id, internal_base_url=BASE + "/"
        )
    assert (contract.status, contract.round) == ("submitted", 1)
    [event] = uow.events
    assert isinstance(event, ContractSubmitted) and event.subject == contract.id
    d = event.data
    assert (d.round, d.owner_id, d.amount) == (1, "lawyer-1", "1200.50")
    assert d.document.url == f"{BASE}/internal/contract/documents/{contract.document_sha256}"
    assert d.document.filename == "合同.pdf" and d.document.page_count == 2
    assert [s.name for s in d.signers] == ["李四"] and d.signers[0].id_number == RESIDENT_ID
    assert d.scan_warning is not None and d.scan_warning.pages == [2]
    row = audit(uow, "contract.submit")
    assert json.loads(row["before"])["round"] == 0 and json.loads(row["after"])["round"] == 1
    assert json.loads(row["after"])["status"] == "submitted"
    assert [c.action for c in repo.changes] == ["create", "submit"]
    assert repo.changes[-1].round == 1 and repo.changes[-1].from_status == "draft"


async def test_another_lawyer_cannot_see_or_submit_the_application() -> None:
    uow, repo = new_uow()
    contract = await ready(uow, repo)
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.submit_contract(
                uow, user=OTHER, contract_id=contract.id, internal_base_url=BASE
            )
    assert refused(exc) == (404, "contract_not_found")
    assert contract.status == "draft"


async def test_a_submitted_application_is_not_edited_or_submitted_again() -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.update_contract(
                uow, user=OWNER, contract_id=contract.id, changes={"title": "x"}
            )
    assert refused(exc) == (409, "invalid_status")
    assert exc.value.details == {"action": "edit", "status": "submitted"}
    assert exc.value.message("zh") == "当前状态（submitted）不允许修改"
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.submit_contract(
                uow, user=OWNER, contract_id=contract.id, internal_base_url=BASE
            )
    assert exc.value.message("en") == "Cannot submit an application that is submitted"
    assert contract.title == FIELDS["title"] and len(uow.events) == 1


async def test_withdraw_ends_the_application_and_tells_review_and_signing() -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    async with uow:
        await contracts.withdraw_contract(
            uow, user=OWNER, contract_id=contract.id, reason="客户取消"
        )
    assert contract.status == "withdrawn"
    event = uow.events[-1]
    assert isinstance(event, ContractWithdrawn)
    assert (event.data.round, event.data.reason, event.data.actor_id) == (1, "客户取消", OWNER.id)
    assert repo.changes[-1].note == "客户取消" and repo.changes[-1].to_status == "withdrawn"
    row = audit(uow, "contract.withdraw")
    assert json.loads(row["before"])["status"] == "submitted"
    # a withdrawn application stays withdrawn
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.withdraw_contract(uow, user=OWNER, contract_id=contract.id, reason=None)
    assert refused(exc) == (409, "invalid_status")


async def test_no_withdrawal_once_every_counterparty_has_signed() -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    contract.status = Status.COUNTERPARTY_SIGNED
    async with uow:
        with pytest.raises(DomainError) as exc:
            await contracts.withdraw_contract(uow, user=OWNER, contract_id=contract.id, reason=None)
    assert exc.value.details == {"action": "withdraw", "status": "counterparty_signed"}


async def test_signers_are_validated_masked_in_the_audit_log_and_removable() -> None:
    uow, repo = new_uow()
    contract = await draft(uow)
    async with uow:
        with pytest.raises(DomainError) as exc:
            await signers.add_signer(
                uow,
                user=OWNER,
                contract_id=contract.id,
                kind="individual",
                values={"name": "李四", "id_number": "123", "mobile": ""},
            )
    assert refused(exc) == (422, "signer_invalid")
    assert {e["field"] for e in exc.value.details} == {"id_number", "mobile"}
    assert exc.value.message("zh") == "签章人信息不完整或有误：手机号、证件号码"
    async with uow:
        signer = await signers.add_signer(
            uow,
            user=OWNER,
            contract_id=contract.id,
            kind="individual",
            values={"name": "李四", "id_number": RESIDENT_ID, "mobile": "13812345678"},
        )
    after = json.loads(audit(uow, "signer.add")["after"])
    assert after["signer_id"] == signer.id and after["id_number"] != RESIDENT_ID
    assert RESIDENT_ID not in json.dumps(uow.audits, ensure_ascii=False, default=str)
    async with uow:
        await signers.remove_signer(uow, user=OWNER, contract_id=contract.id, signer_id=signer.id)
    assert repo.signer_rows == {}
    row = audit(uow, "signer.remove")
    assert row["after"] is None and json.loads(row["before"])["signer_id"] == signer.id
    async with uow:
        with pytest.raises(DomainError) as exc:
            await signers.remove_signer(
                uow, user=OWNER, contract_id=contract.id, signer_id=signer.id
            )
    assert refused(exc) == (404, "signer_not_found")


def receiver(
    data: bytes, name: str = "C:\\Users\\张\\合同.pdf", *, limits: UploadLimits = LIMITS
) -> documents.Receiver:
    async def receive(spool: Spool) -> str | None:
        spool.write(data, max_bytes=limits.max_bytes)  # as the multipart reader does
        return name

    return receive


async def upload(
    uow: FakeUnitOfWork, store: DocumentStore, contract: Contract, data: bytes, *, user: Principal
) -> tuple[Contract, Document]:
    async with uow:
        return await documents.upload_document(
            uow,
            user=user,
            contract_id=contract.id,
            store=store,
            receive=receiver(data),
            limits=LIMITS,
        )


async def test_an_upload_is_checked_stored_and_audited(tmp_path: Path) -> None:
    uow, repo = new_uow()
    store = DocumentStore(tmp_path)
    contract = await draft(uow)
    data = pdfs.text_pdf(pages=3)
    contract, document = await upload(uow, store, contract, data, user=OWNER)
    sha = hashlib.sha256(data).hexdigest()
    assert contract.document_sha256 == sha and contract.document_filename == "合同.pdf"
    assert (document.page_count, document.size) == (3, len(data))
    assert repo.documents == {sha: document} and document.scan_suspect_pages == []
    assert store.path(sha).read_bytes() == data
    row = audit(uow, "contract.document_upload")
    after = json.loads(row["after"])
    assert after["document_sha256"] == sha and after["page_count"] == 3
    assert after["filename"] == "合同.pdf" and json.loads(row["before"])["document_sha256"] is None
    assert uow.rollbacks == 1  # no lock held while the body streamed in
    assert list(tmp_path.glob(".upload-*")) == []  # the spool is gone


async def test_an_upload_is_refused_for_others_after_submission_and_when_not_a_pdf(
    tmp_path: Path,
) -> None:
    uow, repo = new_uow()
    store = DocumentStore(tmp_path)
    contract = await draft(uow)
    with pytest.raises(DomainError) as exc:
        await upload(uow, store, contract, pdfs.text_pdf(), user=OTHER)
    assert refused(exc) == (404, "contract_not_found")
    with pytest.raises(DomainError) as exc:
        await upload(uow, store, contract, pdfs.not_a_pdf(), user=OWNER)
    assert exc.value.status_code in (415, 422) and exc.value.code != "bad_request"
    assert contract.document_sha256 is None and repo.documents == {}
    too_big = UploadLimits(max_bytes=100, max_pages=50, timeout_s=30)
    async with uow:
        with pytest.raises(DomainError) as exc:
            await documents.upload_document(
                uow,
                user=OWNER,
                contract_id=contract.id,
                store=store,
                receive=receiver(pdfs.text_pdf(), limits=too_big),
                limits=too_big,
            )
    assert refused(exc) == (413, "pdf_too_large") and exc.value.details == {"max_bytes": 100}
    contract.status = Status.SUBMITTED
    with pytest.raises(DomainError) as exc:
        await upload(uow, store, contract, pdfs.text_pdf(), user=OWNER)
    assert refused(exc) == (409, "invalid_status")
    assert [a for a in uow.actions if a.startswith("contract.document")] == []
    assert list(tmp_path.glob(".upload-*")) == []


def verdict(contract: Contract, *, round: int) -> dict[str, Any]:
    """What an approval and a rejection of the contract's round by 风控李 both carry."""
    return {
        "contract_id": contract.id,
        "review_id": "r-1",
        "round": round,
        "reviewer_id": "risk-1",
        "reviewer_name": "风控李",
        "owner_id": contract.owner_id,
        "title": contract.title,
    }


def approved(contract: Contract, *, round: int) -> ReviewApproved:
    return ReviewApproved(
        source="lexseal/review",
        subject=contract.id,
        data=ReviewApprovedData(
            **verdict(contract, round=round),
            document=DocumentRef(sha256="a" * 64, size=3, url="http://x/d"),
            signers=[],
            comment="同意",
        ),
    )


def rejected(contract: Contract, *, round: int) -> ReviewRejected:
    return ReviewRejected(
        source="lexseal/review",
        subject=contract.id,
        data=ReviewRejectedData(
            **verdict(contract, round=round), reasons=["amount_mismatch"], comment="金额不符"
        ),
    )


def deps(tmp_path: Path) -> ContractDeps:
    return ContractDeps(settings=Settings(), store=DocumentStore(tmp_path))


async def test_an_approval_of_the_current_round_applies_once_and_a_stale_one_is_ignored(
    tmp_path: Path,
) -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    consumer = handlers.bind(deps(tmp_path))
    assert await consumer.apply(approved(contract, round=0), lambda: uow) == "applied"
    assert contract.status == "submitted"  # an older round's verdict changes nothing
    event = approved(contract, round=1)
    assert await consumer.apply(event, lambda: uow) == "applied"
    assert await consumer.apply(event, lambda: uow) == "duplicate"
    assert contract.status == "approved" and contract.reviewer_name == "风控李"
    assert contract.review_comment == "同意"
    row = audit(uow, "contract.review.approved")
    assert (row["actor_id"], row["actor_name"]) == ("risk-1", "风控李")
    assert repo.changes[-1].note == "同意" and repo.changes[-1].action == "review.approved"


async def test_a_rejection_goes_back_to_the_lawyer_who_resubmits(tmp_path: Path) -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    consumer = handlers.bind(deps(tmp_path))
    assert await consumer.apply(rejected(contract, round=1), lambda: uow) == "applied"
    assert contract.status == "rejected" and contract.review_reasons == ["amount_mismatch"]
    assert repo.changes[-1].note == "amount_mismatch；金额不符"
    # approving a rejected round is not a transition: ignored, nothing recorded
    assert await consumer.apply(approved(contract, round=1), lambda: uow) == "applied"
    assert contract.status == "rejected" and "contract.review.approved" not in uow.actions
    async with uow:
        await contracts.update_contract(
            uow, user=OWNER, contract_id=contract.id, changes={"amount": "99.9"}
        )
        await contracts.submit_contract(
            uow, user=OWNER, contract_id=contract.id, internal_base_url=BASE
        )
    assert (contract.status, contract.round, contract.review_reasons) == ("submitted", 2, None)
    assert str(contract.amount) == "99.90"
    assert uow.actions[-2:] == ["contract.update", "contract.resubmit"]
    assert repo.changes[-1].action == "resubmit"
    assert [e.data.round for e in uow.events if isinstance(e, ContractSubmitted)] == [1, 2]


def counterparty_signed(contract: Contract, *, envelope: str, remaining: int) -> CounterpartySigned:
    return CounterpartySigned(
        source="lexseal/signing",
        subject=contract.id,
        data=CounterpartySignedData(
            contract_id=contract.id,
            envelope_id=envelope,
            owner_id=contract.owner_id,
            signer_id="s-1",
            signer_name="李四",
            remaining_counterparties=remaining,
        ),
    )


def completed_event(contract: Contract, data: bytes, *, envelope: str) -> Completed:
    return Completed(
        source="lexseal/signing",
        subject=contract.id,
        data=CompletedData(
            contract_id=contract.id,
            envelope_id=envelope,
            document=DocumentRef(
                sha256=hashlib.sha256(data).hexdigest(), size=len(data), url="http://signing/d"
            ),
            verify_url="https://verify.example/v/1",
            owner_id=contract.owner_id,
            verify_code="ABCD1234",
            firm_signer_id="firm-1",
            firm_signer_name="王主任",
            completed_at=datetime.now(UTC),
        ),
    )


async def test_signing_completes_the_application_and_keeps_the_signed_pdf(
    tmp_path: Path,
) -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    consumer = handlers.bind(deps(tmp_path))
    await consumer.apply(approved(contract, round=1), lambda: uow)
    signed = counterparty_signed(contract, envelope="env-1", remaining=0)
    assert await consumer.apply(signed, lambda: uow) == "applied"
    assert (contract.status, contract.envelope_id) == ("counterparty_signed", "env-1")
    # an event from another envelope of the same contract is ignored
    other = counterparty_signed(contract, envelope="env-0", remaining=0)
    await consumer.apply(other, lambda: uow)
    assert contract.envelope_id == "env-1" and len(repo.changes) == 4

    pdf = b"%PDF-1.7 signed"
    fetched: list[DocumentRef] = []

    async def fetch(ref: DocumentRef) -> bytes:
        fetched.append(ref)
        return pdf

    store = DocumentStore(tmp_path / "docs")
    stale = completed_event(contract, pdf, envelope="env-0")
    async with uow:
        await events.completed(uow, stale, store=store, fetch=fetch)
        await uow.commit()
    assert fetched == [] and contract.status == "counterparty_signed"
    event = completed_event(contract, pdf, envelope="env-1")
    async with uow:
        await events.completed(uow, event, store=store, fetch=fetch)
        await uow.commit()
    sha = hashlib.sha256(pdf).hexdigest()
    assert fetched == [event.data.document] and contract.status == "completed"
    assert (contract.signed_sha256, contract.signed_size) == (sha, len(pdf))
    assert contract.verify_url == "https://verify.example/v/1"
    assert store.path(sha).read_bytes() == pdf
    row = audit(uow, "contract.signing.completed")
    assert (row["actor_id"], row["actor_name"]) == ("firm-1", "王主任")
    assert json.loads(row["after"])["status"] == "completed"
    # the signed copy is now downloadable, and every download is on the record
    async with uow:
        path, name = await documents.document_path(
            uow, user=OWNER, contract_id=contract.id, store=store, signed=True
        )
    assert path.read_bytes() == pdf and name == "signed-合同.pdf"
    assert json.loads(audit(uow, "document.downloaded")["after"])["sha256"] == sha


async def test_no_signed_copy_before_completion(tmp_path: Path) -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    async with uow:
        with pytest.raises(DomainError) as exc:
            await documents.document_path(
                uow, user=OWNER, contract_id=contract.id, store=DocumentStore(tmp_path), signed=True
            )
    assert refused(exc) == (409, "signed_document_unavailable")
    assert "document.downloaded" not in uow.actions


async def test_a_refused_event_step_and_a_failed_fetch_commit_nothing(tmp_path: Path) -> None:
    uow, repo = new_uow()
    contract = await submitted(uow, repo)
    commits = uow.commits

    async def broken(ref: DocumentRef) -> bytes:
        raise OSError("signing is down")

    contract.status = Status.COUNTERPARTY_SIGNED
    event = completed_event(contract, b"x", envelope="env-9")
    async with uow:
        with pytest.raises(OSError):
            await events.completed(uow, event, store=DocumentStore(tmp_path), fetch=broken)
    assert contract.status == "counterparty_signed" and contract.signed_sha256 is None
    assert uow.commits == commits and uow.events[-1].type == "contract.submitted"
