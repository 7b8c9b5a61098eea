"""Signer details: required fields per kind, checksums, and what masking hides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from cnid import make_credit_code, make_resident_id
from contract.domain.amounts import AmountInvalid, normalise_amount
from contract.domain.signers import SignerInvalid, mask_signer, normalise_signer

RID = make_resident_id(seq=7)
USCC = make_credit_code()


def enterprise(**kw: Any) -> dict[str, Any]:
    return {
        "name": "乙公司",
        "id_number": USCC,
        "legal_representative": "王五",
        "operator_name": "赵六",
        "operator_mobile": "+86 139 0000 1111",
        "bank_account_name": "乙公司",
        "bank_account_number": "6222 0202 0011 2233",
        "bank_name": "工行",
    } | kw


def codes(exc: pytest.ExceptionInfo[SignerInvalid]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def test_an_individual_is_normalised_and_loses_company_fields() -> None:
    out = normalise_signer(
        "individual",
        {
            "name": " 李四 ",
            "id_number": RID.lower(),
            "mobile": "138 1234 5678",
            "bank_name": "不该保留",
        },
    )
    assert out["name"] == "李四" and out["id_number"] == RID and out["mobile"] == "13812345678"
    assert out["bank_name"] is None


def test_an_enterprise_is_normalised() -> None:
    out = normalise_signer("enterprise", enterprise())
    assert (
        out["operator_mobile"] == "13900001111" and out["bank_account_number"] == "6222020200112233"
    )


def test_a_wrong_check_character_is_refused() -> None:
    bad_rid = RID[:-1] + ("0" if RID[-1] != "0" else "1")
    with pytest.raises(SignerInvalid) as exc:
        normalise_signer(
            "individual", {"name": "李四", "id_number": bad_rid, "mobile": "13812345678"}
        )
    assert codes(exc) == {"id_number": "resident_id_checksum"}
    with pytest.raises(SignerInvalid) as exc:
        normalise_signer(
            "enterprise", enterprise(id_number=USCC[:-1] + ("0" if USCC[-1] != "0" else "1"))
        )
    assert codes(exc) == {"id_number": "credit_code_checksum"}


def test_every_missing_or_malformed_field_is_reported_at_once() -> None:
    with pytest.raises(SignerInvalid) as exc:
        normalise_signer(
            "enterprise",
            enterprise(
                legal_representative="  ", operator_mobile="123", bank_account_number="12ab"
            ),
        )
    assert codes(exc) == {
        "legal_representative": "required",
        "operator_mobile": "mobile_format",
        "bank_account_number": "bank_account_format",
    }
    with pytest.raises(SignerInvalid) as exc:
        normalise_signer("robot", {})
    assert codes(exc) == {"kind": "signer_kind"}


def test_masking_hides_identifiers_but_keeps_names() -> None:
    person = mask_signer(
        "individual",
        normalise_signer("individual", {"name": "李四", "id_number": RID, "mobile": "13812345678"}),
    )
    assert person["name"] == "李四" and person["mobile"] == "138****5678"
    assert person["id_number"] == RID[:3] + "*" * 11 + RID[-4:]
    company = mask_signer("enterprise", normalise_signer("enterprise", enterprise()))
    assert company["bank_account_number"] == "****2233" and company["id_number"] != USCC
    assert company["id_number"].startswith(USCC[:4]) and company["bank_name"] == "工行"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("120000.5", Decimal("120000.50")), ("0", Decimal("0.00")), (None, None), ("", None)],
)
def test_amounts_are_kept_to_the_fen(raw: str | None, expected: Decimal | None) -> None:
    assert normalise_amount(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "1.001", "abc", "NaN", "Infinity", "1e20"])
def test_bad_amounts_are_refused(raw: str) -> None:
    with pytest.raises(AmountInvalid):
        normalise_amount(raw)
