"""Validation, masking and test generators for Chinese identifiers."""

from cnid.contact import validate_bank_account, validate_mobile
from cnid.credit_code import (
    credit_code_check_char,
    make_credit_code,
    validate_credit_code,
)
from cnid.errors import InvalidIdentifier
from cnid.masking import (
    mask,
    mask_account,
    mask_credit_code,
    mask_mobile,
    mask_resident_id,
)
from cnid.resident_id import (
    make_resident_id,
    resident_id_birth_date,
    resident_id_check_char,
    validate_resident_id,
)

__all__ = [
    "InvalidIdentifier",
    "credit_code_check_char",
    "make_credit_code",
    "make_resident_id",
    "mask",
    "mask_account",
    "mask_credit_code",
    "mask_mobile",
    "mask_resident_id",
    "resident_id_birth_date",
    "resident_id_check_char",
    "validate_bank_account",
    "validate_credit_code",
    "validate_mobile",
    "validate_resident_id",
]
