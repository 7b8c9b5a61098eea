"""Shared fixtures: one CA, TSA, signers, seals and a prepared contract per test session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from lexseal_ca.pki import CertificateAuthority, IssuedCredential
from pades.ltv import validation_context
from pades.pdf import PdfSigningEngine, prepare
from pades.seals import SealRenderer
from pades.testing import make_contract_pdf
from pades.tsa import LexsealTimeStamper

from tools import RevocationServer, revocation_server

PASSPHRASE = b"correct horse battery staple"
VERIFY_URL = "https://lexseal.example/verify/6f1c2a9e-0b57-4d1e-9a55-3f0d1f7c2b11"
FIRM_NAME = "上海明诚律师事务所"


@dataclass(frozen=True)
class Party:
    """A signer with their credential, seal and where they sign."""

    field_name: str
    credential: IssuedCredential
    seal_png: bytes
    box: tuple[float, float, float, float]
    page: int = 2


@pytest.fixture(scope="session")
def crl_server() -> Iterator[RevocationServer]:
    with revocation_server() as server:
        yield server


@pytest.fixture(scope="session")
def ca(
    tmp_path_factory: pytest.TempPathFactory, crl_server: RevocationServer
) -> CertificateAuthority:
    ca = CertificateAuthority.open(
        tmp_path_factory.mktemp("pki") / "ca", passphrase=PASSPHRASE, base_url=crl_server.base_url
    )
    crl_server.ca = ca
    return ca


@pytest.fixture(scope="session")
def tsa(ca: CertificateAuthority) -> LexsealTimeStamper:
    return LexsealTimeStamper(ca.issue_tsa(name="lexseal"))


@pytest.fixture(scope="session")
def engine() -> PdfSigningEngine:
    return PdfSigningEngine()


@pytest.fixture(scope="session")
def seals() -> SealRenderer:
    return SealRenderer()


@pytest.fixture(scope="session")
def prepared_pdf() -> bytes:
    return prepare(make_contract_pdf(pages=3), VERIFY_URL)


@pytest.fixture(scope="session")
def parties(ca: CertificateAuthority, seals: SealRenderer) -> list[Party]:
    person = ca.issue_individual(name="张三", id_number="11010519491231002X")
    company = ca.issue_enterprise(
        company_name="北京星河科技有限公司", credit_code="91110108MA01ABCD1X"
    )
    firm = ca.issue_firm(firm_name=FIRM_NAME, credit_code="31310000425012345Q")
    return [
        Party("counterparty_1", person, seals.individual("张三"), (72, 90, 172, 190)),
        Party(
            "counterparty_2", company, seals.enterprise("北京星河科技有限公司"), (200, 90, 313, 203)
        ),
        Party("firm", firm, seals.firm(FIRM_NAME), (340, 90, 453, 203)),
    ]


@pytest.fixture(scope="session")
def signed_pdf(
    prepared_pdf: bytes,
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
) -> bytes:
    pdf = prepared_pdf
    for party in parties:  # counterparties first, the firm last, each with its LTV data
        pdf = engine.sign(
            pdf,
            signer=engine.signer_for(party.credential),
            field_name=party.field_name,
            page=party.page,
            box=party.box,
            seal_png=party.seal_png,
            timestamper=tsa,
            reason="签署合同",
            location="上海",
            validation_context=validation_context(ca),
        )
    return pdf


@pytest.fixture(scope="session")
def root_pem_file(ca: CertificateAuthority, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trust") / "root.pem"
    path.write_bytes(ca.root_pem())
    return path
