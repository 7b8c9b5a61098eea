"""Signatures of every kind, computed at the same time, are each whole and valid.

The service signs contracts and letters in worker threads and the evidence audit trail on the
event loop, all with the same keys. asn1crypto objects shared between them (the signer's
certificate, the TSA's) used to corrupt each other: `TypeError: can't concat NoneType to bytes`
in `dump()`, chains that no longer built. A tiny GIL switch interval makes the threads
interleave inside asn1crypto as often as a loaded server does now and then.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from conftest import FIRM_NAME
from pades.letter import SEAL_BOX as LETTER_SEAL_BOX
from pades.pdf import Box, prepare
from pades.testing import make_contract_pdf
from pades.verify import verify_pdf
from pyhanko.sign.signers import Signer
from servicekit.blobs import LocalBlobStore
from signing.adapters.audit_pdf import SIGNATURE_BOX, AuditLine, render_audit_pdf
from signing.bootstrap import open_deps
from signing.config import Settings
from signing.deps import SigningDeps

EACH = 32  # signatures of each kind, all in flight together
VERIFY_URL = "https://lexseal.example/verify/concurrent"


@pytest.fixture
def deps(tmp_path: Path) -> Iterator[SigningDeps]:
    settings = Settings(environment="test", data_dir=tmp_path, firm_name=FIRM_NAME)
    deps = open_deps(settings, LocalBlobStore(tmp_path / "blobs"))
    yield deps
    deps.firm.close()


async def _in_thread(
    deps: SigningDeps,
    pdf: bytes,
    *,
    signer: Signer,
    field_name: str,
    page: int,
    box: Box,
    seal_png: bytes,
    name: str | None = None,
) -> bytes:
    # As service_layer.signing.apply_signature does for contracts and letter seals.
    return await asyncio.to_thread(
        deps.engine.sign,
        pdf,
        signer=signer,
        field_name=field_name,
        page=page,
        box=box,
        seal_png=seal_png,
        timestamper=deps.pki.timestamper,
        name=name,
        validation_context=deps.pki.ltv_context(signer),
    )


def test_every_kind_of_signature_at_once_succeeds_and_validates(
    deps: SigningDeps, eager_thread_switches: None
) -> None:
    ca, seals, engine, pki = deps.pki.ca, deps.seals, deps.engine, deps.pki
    person = engine.signer_for(ca.issue_individual(name="张三", id_number="11010519491231002X"))
    company = engine.signer_for(
        ca.issue_enterprise(company_name="北京星河科技有限公司", credit_code="91110108MA01ABCD1X")
    )
    person_seal, company_seal = seals.individual("张三"), seals.enterprise("北京星河科技有限公司")
    contract = prepare(make_contract_pdf(pages=2), VERIFY_URL)
    letter = prepare(make_contract_pdf(pages=1), VERIFY_URL)
    # The firm signs last, over a counterparty's signature (signed once, beforehand).
    countersigned = engine.sign(
        contract,
        signer=person,
        field_name="counterparty_1",
        page=1,
        box=(72, 90, 172, 190),
        seal_png=person_seal,
        timestamper=pki.timestamper,
        validation_context=pki.ltv_context(person),
    )
    audit = render_audit_pdf(
        title="Audit trail",
        header=["信封 Envelope: concurrent"],
        lines=[
            AuditLine(at="2026-01-01T00:00:00", actor="张三", action="signed", ip="-", detail="")
        ],
    )
    firm = deps.firm.signer()
    firm_seal = deps.firm.seal_png
    letter_box = LETTER_SEAL_BOX

    def counterparty(i: int) -> Awaitable[bytes]:
        signer, seal = (person, person_seal) if i % 2 else (company, company_seal)
        return _in_thread(
            deps, contract, signer=signer, field_name=f"counterparty_{i}", page=1,
            box=(200, 90, 313, 203), seal_png=seal,
        )  # fmt: skip

    def firm_sign(i: int) -> Awaitable[bytes]:
        return _in_thread(
            deps, countersigned, signer=firm, field_name="firm", page=1,
            box=(340, 90, 453, 203), seal_png=firm_seal, name=FIRM_NAME,
        )  # fmt: skip

    def letter_seal(i: int) -> Awaitable[bytes]:
        return _in_thread(
            deps, letter, signer=firm, field_name="firm", page=0, box=letter_box,
            seal_png=firm_seal, name=FIRM_NAME,
        )  # fmt: skip

    def audit_trail(i: int) -> Awaitable[bytes]:
        # As service_layer.evidence does: on the event loop itself.
        return engine.async_sign(
            audit, signer=firm, field_name="platform", page=0, box=SIGNATURE_BOX,
            seal_png=firm_seal, timestamper=pki.timestamper, name=FIRM_NAME,
            validation_context=pki.ltv_context(firm),
        )  # fmt: skip

    kinds: dict[str, Callable[[int], Awaitable[bytes]]] = {
        "counterparty": counterparty,
        "firm": firm_sign,
        "letter seal": letter_seal,
        "audit trail": audit_trail,
    }

    async def all_at_once() -> list[tuple[str, bytes | BaseException]]:
        labels = [kind for kind in kinds for _ in range(EACH)]
        jobs = [kinds[kind](i) for kind in kinds for i in range(EACH)]
        results = await asyncio.gather(*jobs, return_exceptions=True)
        return list(zip(labels, results, strict=True))

    results = asyncio.run(all_at_once())
    sys.setswitchinterval(0.005)  # validate at the normal pace

    failures = [f"{kind}: {r!r}" for kind, r in results if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} of {len(results)} failed: {failures[:3]}"
    roots = [ca.root_pem()]
    invalid = []
    for kind, pdf in results:
        assert isinstance(pdf, bytes)
        report = verify_pdf(pdf, roots)
        if not (report.valid and all(s.intact and s.trusted for s in report.signatures)):
            invalid.append(f"{kind}: {report.reason}")
    assert not invalid, f"{len(invalid)} of {len(results)} do not validate: {invalid[:3]}"
