"""The CA's fixtures: one CA (its CRLs and OCSP served on 127.0.0.1), the PAdES engine, seals."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lexseal_ca.pki import CertificateAuthority
from lexseal_ca.testing import RevocationServer, revocation_server
from pades.pdf import PdfSigningEngine, prepare
from pades.seals import SealRenderer
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

sys.path.insert(0, str(Path(__file__).parent))

PASSPHRASE = b"correct horse battery staple"
VERIFY_URL = "https://lexseal.example/verify/6f1c2a9e-0b57-4d1e-9a55-3f0d1f7c2b11"
FIRM_NAME = "上海明诚律师事务所"


def make_contract_pdf(*, pages: int = 3) -> bytes:
    """Build an unsigned A4 document with a line of text on each page."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        canvas.drawString(72, A4[1] - 72, f"Service Agreement - page {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


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
def engine() -> PdfSigningEngine:
    return PdfSigningEngine()


@pytest.fixture(scope="session")
def seals() -> SealRenderer:
    return SealRenderer()


@pytest.fixture(scope="session")
def prepared_pdf() -> bytes:
    return prepare(make_contract_pdf(pages=3), VERIFY_URL)
