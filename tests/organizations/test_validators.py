import pytest
from django.core.exceptions import ValidationError

from organizations.validators import validate_credit_code, validate_region_code

# Codes of real registered companies, published on their business licences.
REAL_VALID_CODES = [
    "914403001922038216",
    "91350100M000100Y43",
    "91110000802100433B",
    "91310000607216596U",
    "9144030071526726XG",
]


@pytest.mark.parametrize("code", REAL_VALID_CODES)
def test_real_credit_codes_are_accepted(code: str) -> None:
    validate_credit_code(code)


def test_lowercase_credit_code_is_accepted() -> None:
    validate_credit_code("9144030071526726xg")


def test_wrong_check_character_names_the_right_one() -> None:
    with pytest.raises(ValidationError) as error:
        validate_credit_code("911100001000013428")
    assert "should be C" in error.value.messages[0]


def test_mistyped_digit_is_caught_by_the_check_character() -> None:
    with pytest.raises(ValidationError) as error:
        validate_credit_code("914403001922038217")
    assert "should be 6" in error.value.messages[0]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91440300192203821", "18 characters"),
        ("9144030019220382166", "18 characters"),
        ("91440300I92203821O", "I, O"),
        ("9144030019220382S6", "S"),
    ],
)
def test_malformed_credit_codes_are_refused_with_a_reason(code: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert fragment in error.value.messages[0]


@pytest.mark.parametrize("code", ["210000", "210200", "210211", "140100", "110101", "820000"])
def test_real_region_codes_are_accepted(code: str) -> None:
    validate_region_code(code)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("21020", "6 digits"),
        ("2102000", "6 digits"),
        ("abcdef", "6 digits"),
        ("991234", "99"),
        ("", "6 digits"),
    ],
)
def test_bad_region_codes_are_refused_with_a_reason(code: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_region_code(code)
    assert fragment in error.value.messages[0]
