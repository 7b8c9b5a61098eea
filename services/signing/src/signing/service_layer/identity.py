"""Use cases of identity verification from the signer's page: ID + face, or company + deposit."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import cnid
from lexseal_events import SignerVerified, SignerVerifiedData
from servicekit.db import utcnow
from servicekit.uow import Actor, UnitOfWork

from ..adapters.pki import Pki
from ..adapters.repository import SigningRepository
from ..adapters.tables import EnvelopeSigner
from ..domain import errors, model
from . import certificates
from .invitations import SignerSession, open_session

log = logging.getLogger("signing.identity")

ID_CHECKED = model.ID_CHECKED


def _mismatch() -> Exception:
    return errors.IdentityMismatch()


def _mobile_matches(entered: str | None, expected: str) -> bool:
    if not entered:
        raise errors.MobileRequired(details={"field": "mobile"})
    try:
        return cnid.validate_mobile(entered) == cnid.validate_mobile(expected)
    except cnid.InvalidIdentifier as exc:
        raise errors.MobileInvalid(details={"field": "mobile"}) from exc


async def _limit_attempts(uow: UnitOfWork, s: SignerSession, *, action: str) -> None:
    """Lock the check after too many wrong entries for this signer (the account, not the IP)."""
    now = utcnow()
    failures = await uow.repo(SigningRepository).identity_failures(
        envelope_id=s.envelope.id,
        signer_id=s.signer.signer_id,
        action=action,
        since=now - model.ID_CHECK_WINDOW,
    )
    model.ensure_id_check_allowed(failures, now=now)


def require_kind(signer: EnvelopeSigner, kind: str) -> None:
    if signer.kind != kind:
        raise errors.Conflict(
            f"This signer verifies as {signer.kind}", "签章人类型不符", code="wrong_signer_kind"
        )
    if signer.status in (model.VERIFIED, model.SIGNED):
        raise errors.AlreadyVerified()


async def verify_individual(
    uow: UnitOfWork,
    *,
    token: str,
    actor: Actor,
    name: str,
    id_number: str,
    mobile: str | None = None,
) -> EnvelopeSigner:
    """Check an individual's name, resident ID and mobile (three elements) against the entry."""
    s = await open_session(uow, token=token, actor=actor, action="verify_individual", lock=True)
    require_kind(s.signer, model.INDIVIDUAL)
    await _limit_attempts(uow, s, action="verify.individual")
    try:
        entered = cnid.validate_resident_id(id_number)
    except cnid.InvalidIdentifier as exc:
        raise errors.Invalid(
            f"Resident ID number is not valid: {exc.message}",
            "身份证号码无效，请核对后重新输入",
            code="id_number_invalid",
        ) from exc
    ok = model.names_match(name, s.signer.name) and model.ids_match(entered, s.signer.id_number)
    if s.signer.mobile:  # signers registered before mobiles were kept are checked on two
        ok = ok and _mobile_matches(mobile, s.signer.mobile)
    s.envelope.record_audit(
        actor=actor,
        action="verify.individual",
        after={"signer_id": s.signer.signer_id, "result": "ok" if ok else "identity_mismatch"},
    )
    if not ok:
        await uow.commit()
        raise _mismatch()
    s.signer.status = ID_CHECKED
    await uow.commit()
    return s.signer


async def verify_enterprise(
    uow: UnitOfWork,
    *,
    token: str,
    actor: Actor,
    company_name: str,
    credit_code: str,
    legal_representative: str,
    bank_account_number: str,
) -> EnvelopeSigner:
    """Check an enterprise's real-name details against the lawyer's entry."""
    s = await open_session(uow, token=token, actor=actor, action="verify_enterprise", lock=True)
    require_kind(s.signer, model.ENTERPRISE)
    await _limit_attempts(uow, s, action="verify.enterprise")
    try:
        code = cnid.validate_credit_code(credit_code)
    except cnid.InvalidIdentifier as exc:
        raise errors.Invalid(
            f"Unified social credit code is not valid: {exc.message}",
            "统一社会信用代码无效，请核对后重新输入",
            code="credit_code_invalid",
        ) from exc
    sig = s.signer
    ok = model.names_match(company_name, sig.name) and model.ids_match(code, sig.id_number)
    if sig.legal_representative:
        ok = ok and model.names_match(legal_representative, sig.legal_representative)
    if sig.bank_account_number:
        ok = ok and model.ids_match(
            bank_account_number.replace(" ", ""), sig.bank_account_number.replace(" ", "")
        )
    s.envelope.record_audit(
        actor=actor,
        action="verify.enterprise",
        after={"signer_id": sig.signer_id, "result": "ok" if ok else "identity_mismatch"},
    )
    if not ok:
        await uow.commit()
        raise _mismatch()
    sig.legal_representative = legal_representative.strip()
    sig.bank_account_number = bank_account_number.replace(" ", "")
    sig.status = ID_CHECKED
    await uow.commit()
    return sig


async def mark_verified(
    uow: UnitOfWork,
    s: SignerSession,
    *,
    pki: Pki,
    method: Literal["face", "micro_deposit"],
    sandbox: bool,
) -> None:
    sig = s.signer
    if sig.kind == model.INDIVIDUAL:
        credential = await asyncio.to_thread(
            pki.ca.issue_individual, name=sig.name, id_number=sig.id_number
        )
    else:
        credential = await asyncio.to_thread(
            pki.ca.issue_enterprise, company_name=sig.name, credit_code=sig.id_number
        )
    await certificates.register(uow, ca=pki.ca, cert=credential.certificate, kind=sig.kind)  # type: ignore[arg-type]
    sig.certificate_pem = credential.certificate_pem().decode()
    sig.private_key_pem = credential.private_key_pem(pki.passphrase).decode()
    sig.status, sig.method, sig.sandbox, sig.verified_at = model.VERIFIED, method, sandbox, utcnow()
    s.envelope.record_audit(
        actor=Actor(id=f"signer:{sig.signer_id}", name=sig.name, ip=None),
        action="signer.verified",
        after={
            "signer_id": sig.signer_id,
            "method": method,
            "sandbox": sandbox,
            "certificate_serial": format(credential.certificate.serial_number, "x"),
        },
    )
    s.envelope.record_event(
        SignerVerified(
            source=uow.source,
            subject=s.envelope.id,
            data=SignerVerifiedData(
                envelope_id=s.envelope.id,
                contract_id=s.envelope.contract_id,
                owner_id=s.envelope.owner_id,
                signer_id=sig.signer_id,
                signer_name=sig.name,
                method=method,
                sandbox=sandbox,
            ),
        )
    )  # type: ignore[arg-type]
    await uow.commit()
