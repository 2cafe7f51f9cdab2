"""What a validator function accepts, said where a schema generator can read it."""

from collections.abc import Callable
from typing import Any, TypeVar

_Validator = TypeVar("_Validator", bound=Callable[..., Any])


def schema_pattern(pattern: str) -> Callable[[_Validator], _Validator]:
    """Say in the schema what a validator function accepts, as a JSON Schema `pattern` (ECMA dialect). The
    function still gives the clerk its precise message; the pattern lets a client check before sending."""

    def mark(validator: _Validator) -> _Validator:
        validator.schema_pattern = pattern  # type: ignore[attr-defined]
        return validator

    return mark
