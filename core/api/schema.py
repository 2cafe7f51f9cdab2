"""OpenAPI post-processing: every operation documents the JSON errors it can answer, so clients (and the
schema fuzzer in tests/security) know a 404 or a 409 is part of the contract, not a surprise."""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; a validation error names each field with its messages.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}

_ERRORS = {
    "400": "The input is not valid; each field says why.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Your role does not allow this.",
    "404": "Not found, or not in your scope (the two look the same).",
    "409": "Not possible in the object's current state.",
    "413": "The request body is too large.",
    "429": "Too many requests; try again later.",
}
_UNSAFE_ONLY = {"409", "413"}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, description in _ERRORS.items():
                if code in _UNSAFE_ONLY and method == "get":
                    continue
                responses.setdefault(code, {"description": description, "content": reference})
    return result
