"""A contract signed by two counterparties and the firm validates everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIRM_NAME, Party
from lexseal_ca.pki import CertificateAuthority
from pades.pdf import PdfSigningEngine, document_geometry
from pades.testing import PYHANKO_CLI, nss_db_trusting, run
from pades.verify import verify_pdf
from servicekit.testing import missing_tool, need_tools
from signing.adapters.errors import PlacementError


def test_all_three_signatures_verify(signed_pdf: bytes, ca: CertificateAuthority) -> None:
    report = verify_pdf(signed_pdf, [ca.root_pem()])

    assert report.valid and report.reason is None
    assert [s.field_name for s in report.signatures] == ["counterparty_1", "counterparty_2", "firm"]
    assert all(s.intact and s.trusted and not s.modified_after for s in report.signatures)
    person, company, firm = report.signatures
    assert (person.signer_name, person.subject_id) == ("张三", "11010519491231002X")
    assert (company.signer_name, company.subject_id) == (
        "北京星河科技有限公司",
        "91110108MA01ABCD1X",
    )
    assert firm.signer_name == FIRM_NAME
    # only the firm signature's own DSS update (PAdES B-LT) follows it
    assert (firm.coverage, firm.modification_level) == ("ENTIRE_REVISION", "LTA_UPDATES")
    assert person.modification_level == "FORM_FILLING"
    assert all(
        s.timestamp_time is not None and s.signing_time is not None for s in report.signatures
    )
    assert firm.chain[-1].startswith("Common Name: lexseal Root CA")


def test_pdfsig_says_each_signature_is_valid_and_trusted(
    signed_pdf: bytes, root_pem_file: Path, tmp_path: Path
) -> None:
    need_tools("pdfsig", "certutil")
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed_pdf)
    nss = nss_db_trusting(root_pem_file, tmp_path / "nss")

    out = run("pdfsig", "-nssdir", nss, pdf).stdout

    assert out.count("Signature is Valid.") == 3
    # NSS asks the OCSP responder each certificate names (the conftest serves it) for each
    assert out.count("Certificate is Trusted.") == 3, out


def test_pyhanko_cli_validates_the_file(
    signed_pdf: bytes, root_pem_file: Path, tmp_path: Path
) -> None:
    if not PYHANKO_CLI.exists():
        missing_tool("pyhanko CLI not installed")
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed_pdf)

    result = run(
        PYHANKO_CLI,
        "sign",
        "validate",
        "--trust",
        root_pem_file,
        "--trust-replace",
        "--executive-summary",
        pdf,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(":VALID") == 3


def test_qpdf_finds_the_structure_sound(signed_pdf: bytes, tmp_path: Path) -> None:
    need_tools("qpdf")
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed_pdf)

    result = run("qpdf", "--check", pdf)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("page", "box", "code"),
    [
        (0, (500, 700, 620, 820), "box_outside_page"),
        (0, (-10, 100, 100, 200), "box_outside_page"),
        (0, (480, 20, 560, 100), "box_covers_qr"),
        (7, (72, 90, 172, 190), "page_out_of_range"),
        (0, (72, 90, 80, 95), "box_too_small"),
    ],
)
def test_bad_placements_are_refused(
    prepared_pdf: bytes,
    parties: list[Party],
    engine: PdfSigningEngine,
    page: int,
    box: tuple[float, float, float, float],
    code: str,
) -> None:
    party = parties[0]

    with pytest.raises(PlacementError) as err:
        engine.sign(
            prepared_pdf,
            signer=engine.signer_for(party.credential),
            field_name="x",
            page=page,
            box=box,
            seal_png=party.seal_png,
        )
    assert err.value.code == code


def test_qr_box_is_what_placement_checks(
    prepared_pdf: bytes, parties: list[Party], engine: PdfSigningEngine
) -> None:
    x1, _, _, y2 = document_geometry(prepared_pdf)[0].qr_box
    party = parties[0]

    with pytest.raises(PlacementError):
        engine.sign(
            prepared_pdf,
            signer=engine.signer_for(party.credential),
            field_name="x",
            page=0,
            box=(x1 - 50, y2 - 1, x1 + 1, y2 + 60),
            seal_png=party.seal_png,
        )


def test_a_field_cannot_be_signed_twice(
    signed_pdf: bytes, parties: list[Party], engine: PdfSigningEngine
) -> None:
    party = parties[0]

    with pytest.raises(PlacementError) as err:
        engine.sign(
            signed_pdf,
            signer=engine.signer_for(party.credential),
            field_name=party.field_name,
            page=0,
            box=(72, 300, 172, 400),
            seal_png=party.seal_png,
        )
    assert err.value.code == "field_exists"


def test_a_seal_cannot_cover_a_seal_already_signed(
    signed_pdf: bytes, parties: list[Party], engine: PdfSigningEngine
) -> None:
    """The firm's seal exactly over (or overlapping) a counterparty's is refused."""
    first = parties[0]
    x1, y1, x2, y2 = first.box
    for box in (first.box, (x1 + 10, y1 + 10, x2 + 10, y2 + 10)):
        with pytest.raises(PlacementError) as err:
            engine.sign(
                signed_pdf,
                signer=engine.signer_for(first.credential),
                field_name="Another",
                page=first.page,
                box=box,
                seal_png=first.seal_png,
            )
        assert err.value.code == "box_covers_seal"
    # touching its edge is fine, like the QR's
    engine.sign(
        signed_pdf,
        signer=engine.signer_for(first.credential),
        field_name="Beside",
        page=first.page,
        box=(x1, y2, x2, y2 + (y2 - y1)),
        seal_png=first.seal_png,
    )
