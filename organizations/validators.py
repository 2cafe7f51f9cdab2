"""Validators for identifiers clerks type in: region codes (GB/T 2260) and credit codes (GB 32100)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.validation import schema_pattern

# GB 32100-2015: 31 symbols, no I, O, S, V or Z (they look like digits).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_REGION_CODE = re.compile(r"^\d{6}$")
# First two digits of GB/T 2260 codes: the provinces, autonomous regions and municipalities.
# The country as a whole (the national tenant's root region).
COUNTRY_CODE = "100000"

PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def credit_code_check_character(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


@schema_pattern(r"^[0-9A-HJ-NP-RTUWXY]{18}$")  # the alphabet above; the check character is the function's
def validate_credit_code(value: str) -> None:
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.")
            % {"count": len(code)},
            code="length",
        )
    bad = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("Character(s) %(chars)s cannot appear in a credit code (I, O, S, V and Z are never used).")
            % {"chars": ", ".join(bad)},
            code="alphabet",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character should be %(expected)s, not %(actual)s: "
                "a character was probably mistyped."
            )
            % {"expected": expected, "actual": code[17]},
            code="check_character",
        )


@schema_pattern(rf"^({COUNTRY_CODE}|({'|'.join(sorted(PROVINCE_PREFIXES))})[0-9]{{4}})$")
def validate_region_code(value: str) -> None:
    if value == COUNTRY_CODE:
        return
    if not _REGION_CODE.match(value or ""):
        raise ValidationError(
            _("A region code is exactly 6 digits (GB/T 2260), e.g. 210200 for Dalian."),
            code="format",
        )
    if value[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("%(prefix)s is not the code of any province; the first two digits name the province.")
            % {"prefix": value[:2]},
            code="province",
        )


def region_level_of(code: str) -> str:
    """The level a GB/T 2260 code denotes: 100000 the country, xx0000 province, xxxx00 city, anything else
    county."""
    if code == COUNTRY_CODE:
        return "country"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"
