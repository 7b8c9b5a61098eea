"""Signing's main use cases on a FakeUnitOfWork: no database, no broker.

Envelope creation from an approved contract, invitations issued and voided, the micro-deposit
(five amounts a day, a new amount voids the old, three wrong entries void it), the firm signs
last, and the decline rules. Integration tests keep the real PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lexseal_events import (
    Declined,
    DocumentRef,
    EnvelopePrepared,
    InvitationCreated,
    ReviewApproved,
    ReviewApprovedData,
    SignerInfo,
)
from pades.testing import make_contract_pdf
from servicekit.auth import RISK_CONTROL, Principal
from servicekit.db import utcnow
from servicekit.domain import DomainError
from servicekit.testing import FakeUnitOfWork
from servicekit.uow import Actor
from signing.adapters.link_cipher import LinkCipher
from signing.adapters.providers import Transfer
from signing.adapters.repository import SigningRepository
from signing.adapters.tables import DepositChallenge, Envelope, EnvelopeSigner, Invitation
from signing.config import Settings
from signing.domain import attempts, errors, model
from signing.domain.states import ChallengeStatus, EnvelopeStatus, SignerStatus
from signing.service_layer import deposits, envelopes, invitations, signing

sys.path.insert(0, str(Path(__file__).parent))
from fake_repository import FakeSigningRepository

LAWYER = Principal(id="u-lawyer", username="lawyer", display_name="李律师")
RISK = Principal(id="u-risk", username="risk", display_name="风控", roles=frozenset({RISK_CONTROL}))
SIGNER = Actor(id="invitee", name="signer (token)")
CREDIT_CODE = "91110108MA01ABCD1X"


def settings() -> Settings:
    return Settings(environment="test", public_base_url="https://lexseal.example")


LINKS = LinkCipher(b"unit-test passphrase")
# for the keys and engine of a use case refused before it signs or issues a certificate
UNUSED: Any = None


@dataclass
class FakeBank:
    """A bank that records the amounts it was asked to send."""

    sandbox: bool = True
    sent: list[int] = field(default_factory=list)

    async def send(self, *, account_name: str, account_number: str, amount_fen: int) -> Transfer:
        self.sent.append(amount_fen)
        return Transfer(
            reference=f"t{len(self.sent)}",
            account_name=account_name,
            account_number=account_number,
            amount_fen=amount_fen,
            at=utcnow(),
        )


def new_uow(*envelopes_: Envelope) -> tuple[FakeUnitOfWork, FakeSigningRepository]:
    repo = FakeSigningRepository(*envelopes_)
    return FakeUnitOfWork({SigningRepository: repo}, source="lexseal/signing"), repo


def envelope_with(
    repo: FakeSigningRepository, *kinds: str, status: EnvelopeStatus = EnvelopeStatus.PREPARED
) -> tuple[Envelope, list[EnvelopeSigner]]:
    """Add an envelope owned by LAWYER with counterparties of `kinds`, and the firm last."""
    envelope = Envelope(
        contract_id="c-1",
        owner_id=LAWYER.id,
        title="服务协议",
        status=status,
        verify_code=f"v-{len(repo.items)}",
        original_sha256="0" * 64,
        current_sha256="0" * 64,
        expires_at=utcnow() + timedelta(days=7),
    )
    repo.add(envelope)
    rows = [
        EnvelopeSigner(
            envelope_id=envelope.id,
            signer_id=f"s{i}",
            kind=kind,
            position=i,
            name="北京星河科技有限公司" if kind == "enterprise" else "张三",
            id_number=CREDIT_CODE if kind == "enterprise" else "11010519491231002X",
            bank_account_number="6222020200112233",
        )
        for i, kind in enumerate(kinds)
    ]
    rows.append(
        EnvelopeSigner(
            envelope_id=envelope.id, signer_id="firm", kind="firm", position=len(rows), name="律所"
        )
    )
    repo.add(*rows)
    return envelope, rows


async def invite(uow: FakeUnitOfWork, envelope: Envelope, signer_id: str) -> tuple[Invitation, str]:
    invitation, url = await invitations.create_invitation(
        uow,
        user=LAWYER,
        settings=settings(),
        links=LINKS,
        envelope_id=envelope.id,
        signer_id=signer_id,
    )
    return invitation, url.rsplit("/", 1)[1]


async def raises(code: str, coro: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await coro
    assert caught.value.code == code, caught.value
    return caught.value


# --- envelope creation from an approved contract ----------------------------------------


def approved(contract_id: str = "c-9") -> ReviewApproved:
    doc = make_contract_pdf(pages=2)
    return ReviewApproved(
        source="lexseal/review",
        subject=contract_id,
        data=ReviewApprovedData(
            contract_id=contract_id,
            review_id="r-1",
            round=1,
            reviewer_id=RISK.id,
            reviewer_name="风控",
            owner_id=LAWYER.id,
            title="服务协议",
            document=DocumentRef(
                sha256=hashlib.sha256(doc).hexdigest(), size=len(doc), url="http://contract/d"
            ),
            signers=[
                SignerInfo(
                    signer_id="b", kind="enterprise", name="星河", id_number=CREDIT_CODE, order=2
                ),
                SignerInfo(signer_id="a", kind="individual", name="张三", id_number="1", order=1),
            ],
        ),
    )


async def test_an_approved_contract_becomes_an_envelope_with_the_firm_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = make_contract_pdf(pages=2)

    async def fetch(ref: DocumentRef, **_: Any) -> bytes:
        assert ref.url == "http://contract/d"
        return original

    monkeypatch.setattr(envelopes, "fetch_document", fetch)
    uow, repo = new_uow()
    event = approved()
    async with uow:
        envelope = await envelopes.prepare_envelope(uow, event, settings=settings())
        await uow.commit()
    assert envelope is not None and envelope.status == EnvelopeStatus.PREPARED
    assert envelope.original_sha256 == hashlib.sha256(original).hexdigest()
    assert envelope.current_sha256 != envelope.original_sha256  # the QR is stamped
    assert len(envelope.pages or []) == 2
    order = [(s.signer_id, s.kind) for s in await repo.signers(envelope.id)]
    assert order == [("a", "individual"), ("b", "enterprise"), ("firm", "firm")]
    assert uow.actions == ["envelope.prepared"]
    [prepared] = uow.events
    assert isinstance(prepared, EnvelopePrepared)
    assert prepared.data.signer_ids == ["a", "b", "firm"]
    assert prepared.data.verify_code == envelope.verify_code

    # a second approval of the same contract while its envelope is open changes nothing
    async with uow:
        assert await envelopes.prepare_envelope(uow, approved(), settings=settings()) is None
        await uow.commit()
    assert len(repo.items) == 1 and len(uow.events) == 1


# --- invitations ---------------------------------------------------------------------------


async def test_a_new_invitation_voids_the_previous_link_of_that_signer() -> None:
    uow, repo = new_uow()
    envelope, _ = envelope_with(repo, "individual")
    async with uow:
        first, first_token = await invite(uow, envelope, "s0")
        second, second_token = await invite(uow, envelope, "s0")
    assert first.voided_at is not None and second.voided_at is None
    assert [a["action"] for a in uow.audits] == ["invitation.created", "invitation.created"]
    assert '"voided_previous": 1' in uow.audits[1]["after"]
    assert [type(e) for e in uow.events] == [InvitationCreated, InvitationCreated]
    # the link is kept encrypted, and decrypts to the one handed out
    link = invitations.invitation_url(settings(), second_token)
    assert second.url != link and LINKS.decrypt(second.url) == link

    async with uow:
        session = await invitations.open_session(
            uow, token=second_token, actor=SIGNER, action="view"
        )
        assert session.signer.signer_id == "s0"
        voided = await raises(
            "invitation_voided",
            invitations.open_session(uow, token=first_token, actor=SIGNER, action="view"),
        )
    assert voided.status_code == 409
    assert voided.message("zh") == "此链接已被新的邀请替代，请向律师索取新链接"
    assert uow.actions[-1] == "token.view"  # the refused use is audited (and committed)


async def test_only_the_owner_invites_and_never_the_firm_or_a_signer_who_signed() -> None:
    uow, repo = new_uow()
    envelope, rows = envelope_with(repo, "individual", "individual")
    rows[1].status = SignerStatus.SIGNED
    async with uow:
        stranger = Principal(id="other", username="o", display_name="o")
        await raises(  # another lawyer does not even see it
            "envelope_not_found",
            invitations.create_invitation(
                uow,
                user=stranger,
                settings=settings(),
                links=LINKS,
                envelope_id=envelope.id,
                signer_id="s0",
            ),
        )
        await raises(  # risk control sees it, but only its owner invites
            "owner_only",
            invitations.create_invitation(
                uow,
                user=RISK,
                settings=settings(),
                links=LINKS,
                envelope_id=envelope.id,
                signer_id="s0",
            ),
        )
        await raises("signer_not_found", invite(uow, envelope, "firm"))
        await raises("signer_already_signed", invite(uow, envelope, "s1"))
    assert uow.commits == 0 and uow.events == []


# --- decline ---------------------------------------------------------------------------------


async def test_a_signer_declines_the_envelope_and_the_lawyer_is_told() -> None:
    uow, repo = new_uow()
    envelope, rows = envelope_with(repo, "individual")
    async with uow:
        _, token = await invite(uow, envelope, "s0")
        ended = await invitations.decline(uow, token=token, actor=SIGNER, reason="价格有误")
    assert ended.status == EnvelopeStatus.DECLINED and ended.ended_reason == "价格有误"
    assert rows[0].status == SignerStatus.DECLINED
    declined = uow.events[-1]
    assert isinstance(declined, Declined)
    assert declined.data.signer_id == "s0" and declined.data.reason == "价格有误"
    assert uow.actions[-2:] == ["token.decline", "envelope.declined"]

    # the envelope is over: the link now refuses a second decline
    async with uow:
        err = await raises(
            "envelope_declined",
            invitations.decline(uow, token=token, actor=SIGNER, reason="again"),
        )
    assert err.message("zh") == "签署流程已结束（已拒签）"


async def test_a_signer_who_signed_cannot_decline() -> None:
    uow, repo = new_uow()
    envelope, rows = envelope_with(repo, "individual", "individual")
    async with uow:
        _, token = await invite(uow, envelope, "s0")
        rows[0].status = SignerStatus.SIGNED
        err = await raises(
            "signer_already_signed", invitations.decline(uow, token=token, actor=SIGNER, reason="")
        )
    assert err.message("zh") == "您已签章，不能拒签" and err.status_code == 409
    assert envelope.status == EnvelopeStatus.PREPARED
    assert not any(isinstance(e, Declined) for e in uow.events)


# --- the micro-deposit -------------------------------------------------------------------


async def deposit_ready() -> tuple[FakeUnitOfWork, FakeSigningRepository, Envelope, str]:
    uow, repo = new_uow()
    envelope, rows = envelope_with(repo, "enterprise")
    rows[0].status = SignerStatus.ID_CHECKED
    async with uow:
        _, token = await invite(uow, envelope, "s0")
    return uow, repo, envelope, token


async def test_a_new_amount_voids_the_old_and_five_a_day_is_the_limit() -> None:
    uow, repo, _, token = await deposit_ready()
    bank = FakeBank()
    async with uow:
        first = await deposits.request_deposit(uow, token=token, actor=SIGNER, bank=bank)
        second = await deposits.request_deposit(uow, token=token, actor=SIGNER, bank=bank)
    assert first.status == ChallengeStatus.VOIDED and second.status == ChallengeStatus.OPEN
    assert repo.locked_credit_codes == [CREDIT_CODE, CREDIT_CODE]
    assert uow.actions.count("deposit.sent") == 2
    async with uow:
        for _ in range(3):
            await deposits.request_deposit(uow, token=token, actor=SIGNER, bank=bank)
        err = await raises(
            "deposit_daily_limit",
            deposits.request_deposit(uow, token=token, actor=SIGNER, bank=bank),
        )
    assert err.status_code == 429 and err.details == {"limit": 5} and err.retry_after
    assert len(bank.sent) == 5  # the sixth was refused before any transfer
    assert [d.status for d in repo.deposits].count(ChallengeStatus.OPEN) == 1


async def test_three_wrong_amounts_void_the_deposit_and_each_is_kept() -> None:
    uow, _, _, token = await deposit_ready()
    async with uow:
        challenge = await deposits.request_deposit(uow, token=token, actor=SIGNER, bank=FakeBank())
    wrong = f"{(challenge.amount_fen % 99 + 1) / 100:.2f}"
    assert round(float(wrong) * 100) != challenge.amount_fen
    commits = uow.commits
    lefts = []
    async with uow:
        for _ in range(2):
            err = await raises(
                "deposit_wrong_amount",
                deposits.confirm_deposit(
                    uow,
                    token=token,
                    actor=SIGNER,
                    pki=UNUSED,
                    amount=wrong,
                ),
            )
            lefts.append(err.details["attempts_left"])
        assert err.message("zh") == "金额不正确，还可输入 1 次"
        voided = await raises(
            "deposit_voided",
            deposits.confirm_deposit(
                uow,
                token=token,
                actor=SIGNER,
                pki=UNUSED,
                amount=wrong,
            ),
        )
        assert voided.message("en") == "Three wrong entries: the amount is void; request a new one"
        # the right amount no longer helps: the challenge is void
        late = await raises(
            "deposit_voided",
            deposits.confirm_deposit(
                uow,
                token=token,
                actor=SIGNER,
                pki=UNUSED,
                amount=f"{challenge.amount_fen / 100:.2f}",
            ),
        )
    assert lefts == [2, 1] and voided.details == {"attempts_left": 0}
    assert late.message("en") == "This amount is void; request a new one"
    assert challenge.status == ChallengeStatus.FAILED and challenge.attempts == 3
    wrong_rows = [a for a in uow.audits if a["action"] == "deposit.wrong_amount"]
    assert [a["after"] for a in wrong_rows] == [
        f'{{"attempts_left": {n}, "signer_id": "s0"}}' for n in (2, 1, 0)
    ]
    assert uow.commits - commits == 3  # each wrong entry is committed before its refusal


# --- the firm signs last ----------------------------------------------------------------


async def test_the_firm_signs_only_after_every_counterparty_and_never_the_owner() -> None:
    uow, repo = new_uow()
    envelope, rows = envelope_with(repo, "individual", "enterprise")
    rows[0].status = SignerStatus.SIGNED

    async def firm_sign(user: Principal) -> Any:
        return await signing.firm_sign(
            uow,
            user=user,
            settings=settings(),
            pki=UNUSED,
            engine=UNUSED,
            firm=UNUSED,
            envelope_id=envelope.id,
            placement=model.Placement(page=0, x=10, y=10, width=100, height=100),
        )

    async with uow:
        err = await raises("risk_control_only", firm_sign(LAWYER))
        assert err.status_code == 403
        owner = Principal(
            id=LAWYER.id, username="l", display_name="l", roles=frozenset({RISK_CONTROL})
        )
        await raises("owner_cannot_firm_sign", firm_sign(owner))
        pending = await raises("counterparties_pending", firm_sign(RISK))
    assert pending.details == {"remaining_counterparties": 1}
    assert pending.message("zh") == "尚有 1 位对方签章人未签章，律所须最后签章"
    assert envelope.status == EnvelopeStatus.PREPARED and uow.events == []
    envelope.status = EnvelopeStatus.VOIDED
    async with uow:
        await raises("envelope_voided", firm_sign(RISK))


# --- the attempt limits ---------------------------------------------------------------------


def test_one_limiter_counts_wrong_entries_and_fails_the_code_at_its_limit() -> None:
    challenge = DepositChallenge(
        signer_row_id="x", credit_code=CREDIT_CODE, day="2026-01-01", amount_fen=1
    )
    assert [attempts.DEPOSIT.wrong(challenge) for _ in range(3)] == [2, 1, 0]
    assert challenge.status == ChallengeStatus.FAILED
    assert attempts.DEPOSIT.left(challenge) == 0
    assert attempts.INTENT_CODE.max_wrong == 5 and attempts.DEPOSIT.max_wrong == 3
    now = utcnow()
    four = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    attempts.ID_CHECK.ensure_allowed(four, now=now)
    with pytest.raises(errors.TooManyRequests) as caught:
        attempts.ID_CHECK.ensure_allowed([*four, now], now=now)
    assert caught.value.code == "identity_attempts_exceeded"
