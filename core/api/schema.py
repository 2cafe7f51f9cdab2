"""The schema at `/api/schema/` is the contract other systems generate clients from. Every operation documents
the JSON errors it can answer in the shape `core.api.errors` gives them: a validation error (400) names each
field of that operation with its messages, every other error carries one `detail`. The rules the API
enforces are in it, patterns of validator functions included. tests/security checks the schema
(test_schema_contract.py) and every answer against it (test_fuzz.py)."""

from typing import Any

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, which also writes the patterns of validator functions marked with
    `core.validation.schema_pattern` (it knows only Django's RegexValidator)."""

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        for validator in field.validators:
            pattern = getattr(validator, "schema_pattern", None)
            if pattern and schema.get("type") == "string" and "pattern" not in schema:
                schema["pattern"] = pattern


# `detail` only: 401, 403, 404, 409, 413 and 429, and the 400 of a request that is refused as a whole.
ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in one sentence.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "additionalProperties": False,
}
# The messages of one field (core.api.errors makes every field's messages a list).
FIELD_ERRORS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Why the field's value was refused, one message per problem.",
}
# A list or nested field: its own messages, or those of its items (a list per item, or an object by index).
NESTED_ERRORS = {
    "description": "The field's own messages, or its items' errors: one entry per item (a list) or by index.",
    "anyOf": [{"type": "array", "items": {}}, {"type": "object"}],
}
_REST = (
    "`non_field_errors` for what concerns several fields, `detail` when the request is refused as a whole. "
    "Nothing was changed."
)
_COMMON_ERRORS: dict[str, Any] = {
    "detail": {"type": "string"},
    "non_field_errors": {"$ref": "#/components/schemas/FieldErrors"},
}
VALIDATION_ERROR: dict[str, Any] = {
    "type": "object",
    "description": f"Each refused field with its messages; {_REST}",
    "properties": _COMMON_ERRORS,
    "additionalProperties": {"$ref": "#/components/schemas/FieldErrors"},
}

_ERRORS = {
    "400": "The input is not valid; each field says why, and nothing was changed.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Your role does not allow this.",
    "404": "Not found, or not in your scope (the two look the same).",
    "409": "Not possible in the object's current state.",
    "413": "The request body is too large.",
    "429": "Too many requests; try again later.",
}
_UNSAFE_ONLY = {"409", "413"}
_METHODS = {"get", "put", "post", "patch", "delete"}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if len(schema.get("allOf", [])) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def _validation_error(operation: dict[str, Any], components: dict[str, Any]) -> str:
    """The name of the component describing this operation's 400: the fields of its body, each with its
    messages (the generic `ValidationError` when it takes no body)."""
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json") or next(iter(content.values()), None)
    reference = (body or {}).get("schema", {}).get("$ref")
    if not reference:
        return "ValidationError"
    request = reference.rsplit("/", 1)[-1]
    name = f"{request.removesuffix('Request')}ValidationError"
    if name not in components:
        fields = {}
        for field, schema in _resolve({"$ref": reference}, components).get("properties", {}).items():
            nested = _resolve(schema, components).get("type") in ("array", "object")
            fields[field] = {"$ref": f"#/components/schemas/{'NestedErrors' if nested else 'FieldErrors'}"}
        components[name] = {
            **VALIDATION_ERROR,
            "description": f"The fields of {request} that were refused, each with its messages; {_REST}",
            "properties": {**_COMMON_ERRORS, **fields},
        }
    return name


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(
        Error=ERROR_SCHEMA,
        FieldErrors=FIELD_ERRORS,
        NestedErrors=NESTED_ERRORS,
        ValidationError=VALIDATION_ERROR,
    )
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _ERRORS.items():
                if code in _UNSAFE_ONLY and method == "get":
                    continue
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code in _ERRORS:  # a view's own description of an error keeps the shape
                    shape = _validation_error(operation, components) if code == "400" else "Error"
                    response.setdefault("content", _json(shape))
    return result


def blank_or_formatted_strings(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular writes a string that may be blank or formatted (an e-mail address that is optional)
    as `oneOf: [formatted, empty]`. A validator that does not assert formats sees "" match both and must
    refuse it; `anyOf` says what is meant: either will do."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if (
                isinstance(branches, list)
                and len(branches) == 2
                and branches[1] == {"type": "string", "maxLength": 0}
                and branches[0].get("type") == "string"
            ):
                node["anyOf"] = node.pop("oneOf")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("components", {}))
    visit(result.get("paths", {}))
    return result
