"""Counterparty signer details: what each kind needs, checksum validation and masking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cnid import (
    InvalidIdentifier,
    mask_account,
    mask_credit_code,
    mask_mobile,
    mask_resident_id,
    validate_bank_account,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)
from servicekit.domain import Invalid

SignerKind = Literal["individual", "enterprise"]

FIELDS = (
    "name",
    "id_number",
    "mobile",
    "legal_representative",
    "operator_name",
    "operator_mobile",
    "bank_account_name",
    "bank_account_number",
    "bank_name",
)
_REQUIRED: dict[str, tuple[str, ...]] = {
    "individual": ("name", "id_number", "mobile"),
    "enterprise": (
        "name",
        "id_number",
        "legal_representative",
        "operator_name",
        "operator_mobile",
        "bank_account_name",
        "bank_account_number",
        "bank_name",
    ),
}
_SENSITIVE = ("id_number", "mobile", "operator_mobile", "bank_account_number")


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: a stable code and an English explanation."""

    field: str
    code: str
    message: str


# the names the lawyer sees on the form, for the message that lists the fields to fix
_FIELD_ZH = {
    "kind": "签署方类型",
    "name": "姓名/名称",
    "id_number": "证件号码",
    "mobile": "手机号",
    "legal_representative": "法定代表人",
    "operator_name": "经办人",
    "operator_mobile": "经办人手机号",
    "bank_account_name": "开户名",
    "bank_account_number": "对公账号",
    "bank_name": "开户银行",
}


class SignerInvalid(Invalid):
    """The signer's details are incomplete or fail validation: one detail entry per field."""

    code = "signer_invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "Signer details are incomplete or invalid: " + ", ".join(e.field for e in errors),
            "签章人信息不完整或有误：" + "、".join(_FIELD_ZH.get(e.field, e.field) for e in errors),
            details=[{"field": e.field, "code": e.code, "message": e.message} for e in errors],
        )
        self.errors = errors


def normalise_signer(kind: str, values: dict[str, Any]) -> dict[str, str | None]:
    """Return the signer's fields cleaned and checksum-validated, or raise SignerInvalid."""
    if kind not in _REQUIRED:
        raise SignerInvalid([FieldError("kind", "signer_kind", "kind is individual or enterprise")])
    cleaned: dict[str, str | None] = {}
    for name in FIELDS:
        raw = values.get(name)
        text = str(raw).strip() if raw is not None else ""
        cleaned[name] = text or None
    errors = [
        FieldError(name, "required", f"{name} is required for an {kind} signer")
        for name in _REQUIRED[kind]
        if cleaned[name] is None
    ]
    if kind == "individual":
        for extra in FIELDS:
            if extra not in _REQUIRED["individual"]:
                cleaned[extra] = None  # an individual has no company details
    else:
        cleaned["mobile"] = None
    checks = {
        "id_number": validate_resident_id if kind == "individual" else validate_credit_code,
        "mobile": validate_mobile,
        "operator_mobile": validate_mobile,
        "bank_account_number": validate_bank_account,
    }
    for name, check in checks.items():
        value = cleaned[name]
        if value is None:
            continue
        try:
            cleaned[name] = check(value)
        except InvalidIdentifier as exc:
            errors.append(FieldError(name, exc.code, exc.message))
    if errors:
        raise SignerInvalid(errors)
    return cleaned


def mask_signer(kind: str, values: dict[str, str | None]) -> dict[str, str | None]:
    """Return the signer's fields with ID, mobile and account numbers masked."""
    masked = dict(values)
    for name in _SENSITIVE:
        value = masked.get(name)
        if not value:
            continue
        if name == "id_number":
            masked[name] = (
                mask_resident_id(value) if kind == "individual" else mask_credit_code(value)
            )
        elif name == "bank_account_number":
            masked[name] = mask_account(value)
        else:
            masked[name] = mask_mobile(value)
    return masked
