import pytest
from cnid import InvalidIdentifier, credit_code_check_char, make_credit_code, validate_credit_code


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example printed in GB 32100-2015
        "9144030071526726XG",
        "91330100716105852F",
        "91110000802100433B",
    ],
)
def test_accepts_checksum_valid_codes(code: str) -> None:
    assert validate_credit_code(code) == code


def test_normalises_case_and_separators() -> None:
    assert validate_credit_code("9144 0300 7152 6726 xg") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "credit_code_checksum"),
        ("91350100M000100Y4", "credit_code_format"),  # 17 characters
        ("91350100M000100Y433", "credit_code_format"),  # 19 characters
        ("91350100O000100Y43", "credit_code_format"),  # O is not in the alphabet
        ("91350100M000100I43", "credit_code_format"),  # nor is I
        ("913501A0M000100Y43", "credit_code_format"),  # region must be digits
        ("Z1350100M000100Y43", "credit_code_format"),
    ],
)
def test_rejects_with_a_stable_code(code: str, error: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_credit_code(code)
    assert caught.value.code == error


def test_every_single_character_typo_is_caught() -> None:
    code = "91350100M000100Y43"
    for i in range(17):
        for char in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            typo = code[:i] + char + code[i + 1 :]
            if typo == code:
                continue
            with pytest.raises(InvalidIdentifier):
                validate_credit_code(typo)


def test_check_value_zero_is_the_digit_zero() -> None:
    # 31 - 0 must wrap to index 0, not fall off the alphabet.
    body = next(
        b for n in range(1000) if credit_code_check_char(b := f"9111010800000{n:04d}") == "0"
    )
    assert validate_credit_code(body + "0") == body + "0"


def test_generated_codes_validate() -> None:
    for body in ("91110108MA01ABCD1", "52440300MJL1234X5", "Y1310000000000001"):
        code = make_credit_code(body=body)
        assert validate_credit_code(code) == code
        assert code[:17] == body


def test_generator_refuses_bodies_outside_the_layout() -> None:
    with pytest.raises(ValueError, match="body"):
        make_credit_code(body="91110108MA01ABCDS")
