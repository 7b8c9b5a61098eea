from datetime import date

import pytest
from cnid import (
    InvalidIdentifier,
    make_resident_id,
    resident_id_birth_date,
    resident_id_check_char,
    validate_resident_id,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the example printed in GB 11643-1999
        "110101199003070011",
        "32010619851212431X",
    ],
)
def test_accepts_checksum_valid_numbers(number: str) -> None:
    assert validate_resident_id(number, today=TODAY) == number


def test_normalises_lowercase_x_spaces_and_full_width_digits() -> None:
    assert validate_resident_id(" 110105 19491231 002x ", today=TODAY) == "11010519491231002X"
    assert validate_resident_id("１１０１０５１９４９１２３１００２ｘ", today=TODAY) == (
        "11010519491231002X"
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "resident_id_checksum"),  # last char changed
        ("11010519491231002Y", "resident_id_format"),
        ("110105491231002", "resident_id_format"),  # the old 15-digit format
        ("01010519491231002X", "resident_id_format"),  # no region starts with 0
        ("", "resident_id_format"),
        ("11010519490231002X", "resident_id_birthdate"),  # 31 February
        ("110105194913010026", "resident_id_birthdate"),  # month 13
        ("110105189912310021", "resident_id_birthdate"),  # before 1900
    ],
)
def test_rejects_with_a_stable_code(number: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_resident_id(number, today=TODAY)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_rejects_birth_dates_in_the_future() -> None:
    future = make_resident_id(birth=date(2030, 1, 1))
    with pytest.raises(InvalidIdentifier) as caught:
        validate_resident_id(future, today=TODAY)
    assert caught.value.code == "resident_id_birthdate"


def test_every_single_digit_typo_is_caught() -> None:
    number = "11010519491231002X"
    for i in range(17):
        for digit in "0123456789":
            typo = number[:i] + digit + number[i + 1 :]
            if typo == number:
                continue
            with pytest.raises(InvalidIdentifier):
                validate_resident_id(typo, today=TODAY)


def test_generated_numbers_validate_and_encode_the_birth_date() -> None:
    for seq in (0, 1, 2, 517, 999):
        number = make_resident_id(birth=date(1988, 2, 29), seq=seq, area="440305")
        assert validate_resident_id(number, today=TODAY) == number
        assert number.startswith("44030519880229")
        assert resident_id_birth_date(number) == date(1988, 2, 29)


def test_check_char_of_the_standard_example_is_x() -> None:
    assert resident_id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize("kwargs", [{"seq": 1000}, {"seq": -1}, {"area": "12345"}])
def test_generator_refuses_impossible_parts(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"seq|area"):
        make_resident_id(**kwargs)  # type: ignore[arg-type]
