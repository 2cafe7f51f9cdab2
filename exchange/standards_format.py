"""The standards feed, version 1: what the national system publishes downward, published as JSON Schema.

The national tenant publishes its determination standards as numbered *releases* (1, 2, 3 …). A release is
one JSON document — the standards it publishes (new ones, or new versions that supersede a published one)
and the keys it retires — fixed when it is published: its bytes (`body_bytes`) are hashed, and each release
names the previous one's SHA-256 (`prev_sha256`, 64 zeros before the first), so a province can check that it
applies every release, in order, as published. A province asks for the releases after the last one it
applied (`GET /api/exchange/v1/standards/?after=<seq>`), signing the request line with its HMAC key; the
answer is a feed document whose bytes are signed with the same key (`X-Exchange-Signature`).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from .format import GENESIS, VERSION, signature, signature_valid

__all__ = ["GENESIS", "VERSION", "release_errors", "request_line", "request_signature", "request_valid"]

_TEXT = {"type": "string", "maxLength": 200}
_KEY = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,49}$", "not": {"pattern": "^local-"}}

CRITERION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["number", "clause", "text", "text_en", "retired"],
    "properties": {
        "number": {"type": "string", "minLength": 1, "maxLength": 10},
        "clause": {"type": "string", "minLength": 1, "maxLength": 100},
        "text": {"type": "string", "minLength": 1, "maxLength": 4000},
        "text_en": {"type": "string", "maxLength": 4000},
        "retired": {"type": "boolean", "description": "a stand-in item kept for citations, never offered"},
    },
}

STANDARD = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "key",
        "industry",
        "name",
        "name_en",
        "document_number",
        "effective_date",
        "version",
        "coverage",
        "note",
        "supersedes",
        "criteria",
    ],
    "properties": {
        "key": {**_KEY, "description": "stable identifier of this version of the standard"},
        "industry": {"type": "string", "minLength": 1, "maxLength": 40},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "name_en": {"type": "string", "maxLength": 300},
        "document_number": {"type": "string", "maxLength": 100},
        "effective_date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "version": {"type": "string", "minLength": 1, "maxLength": 40},
        "coverage": {"enum": ["complete", "partial", "not_itemised"]},
        "note": {"type": "string", "maxLength": 4000},
        "supersedes": {"oneOf": [_KEY, {"type": "null"}], "description": "the published key it replaces"},
        "criteria": {"type": "array", "maxItems": 500, "items": CRITERION},
    },
}

RELEASE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "version",
        "publisher",
        "seq",
        "prev_sha256",
        "published_at",
        "note",
        "standards",
        "retired",
    ],
    "properties": {
        "version": {"const": VERSION},
        "publisher": {"const": "100000", "description": "the national tenant's region: the country"},
        "seq": {"type": "integer", "minimum": 1, "description": "1, 2, 3 … no gaps"},
        "prev_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "published_at": {"type": "string", "format": "date-time"},
        "note": {"type": "string", "maxLength": 2000},
        "standards": {"type": "array", "maxItems": 500, "items": STANDARD},
        "retired": {"type": "array", "maxItems": 500, "items": _KEY, "description": "keys no longer current"},
    },
}

FEED_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:hazard-ledger:exchange:v1:standards",
    "title": "Hazard ledger standards feed, version 1",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "after", "latest", "releases"],
    "properties": {
        "version": {"const": VERSION},
        "after": {"type": "integer", "minimum": 0, "description": "the releases follow this one"},
        "latest": {"type": "integer", "minimum": 0, "description": "the newest published release"},
        "releases": {"type": "array", "maxItems": 100, "items": RELEASE},
    },
}

_RELEASE = Draft202012Validator(RELEASE)
_FEED = Draft202012Validator(FEED_SCHEMA)


def _errors(validator: Draft202012Validator, document: Any, root: str) -> list[str]:
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or root}: {error.message}" for error in errors
    ]


def release_errors(document: Any) -> list[str]:
    """Every way a release breaks the schema ('path: message' lines; empty when it conforms)."""
    return _errors(_RELEASE, document, "(release)")


def feed_errors(document: Any) -> list[str]:
    return _errors(_FEED, document, "(feed)")


def request_line(after: int) -> bytes:
    """What a province signs to ask for the releases after `after`."""
    return f"GET standards after={after}".encode()


def request_signature(after: int, key: str) -> str:
    return f"sha256={signature(request_line(after), key)}"


def request_valid(after: int, key: str, header: str) -> bool:
    return signature_valid(request_line(after), key, header)
