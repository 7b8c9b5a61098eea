import pytest
from cnid import (
    InvalidIdentifier,
    mask_account,
    mask_credit_code,
    mask_mobile,
    mask_resident_id,
    validate_bank_account,
    validate_mobile,
)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13800138000", "13800138000"),
        ("199 1234 5678", "19912345678"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
    ],
)
def test_accepts_mainland_mobiles(raw: str, number: str) -> None:
    assert validate_mobile(raw) == number


@pytest.mark.parametrize(
    "raw", ["12800138000", "1380013800", "138001380001", "02112345678", "+85291234567", "abc"]
)
def test_rejects_non_mobiles(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_mobile(raw)
    assert caught.value.code == "mobile_format"


def test_bank_accounts_are_digits_of_plausible_length() -> None:
    assert validate_bank_account("6222 0212 3456 7890 123") == "6222021234567890123"
    assert validate_bank_account("12345678") == "12345678"  # no Luhn: corporate accounts
    for bad in ("1234567", "1" * 31, "6222-0212-3456-789O", "６２２２abc"):
        with pytest.raises(InvalidIdentifier) as caught:
            validate_bank_account(bad)
        assert caught.value.code == "bank_account_format"


def test_masks_show_only_the_agreed_characters() -> None:
    assert mask_resident_id("11010519491231002x") == "110***********002X"
    assert mask_credit_code("91350100M000100Y43") == "9135**********0Y43"
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_mobile("+86 138 1234 1234") == "138****1234"
    assert mask_account("6222 0212 3456 7890 123") == "****0123"


def test_masks_never_reveal_short_or_garbage_input() -> None:
    assert mask_resident_id("1234567") == "*******"
    assert mask_mobile("12") == "**"
    assert mask_account("123") == "***"
    assert mask_account("") == ""
