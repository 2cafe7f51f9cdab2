"""The exchange format, version 1: what a province sends upward, published as JSON Schema.

A batch is one JSON document. Its bytes as sent are what is hashed and signed: `sha256` of the body chains
each batch to the one before (`prev_sha256`, 64 zeros before the first), and the `X-Exchange-Signature`
header carries `sha256=<hex HMAC-SHA256 of the body with the province's key>`. Records carry only what may
leave a province: codes, grades, states, dates and counts — no names of people, phone numbers,
descriptions, locations or evidence.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from jsonschema import Draft202012Validator

VERSION = "1"
SIGNATURE_HEADER = "X-Exchange-Signature"
GENESIS = "0" * 64

_CODE = {"type": "string", "pattern": "^[0-9]{6}$"}
_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TIME = {"type": "string", "format": "date-time"}
_COUNT = {"type": "integer", "minimum": 0}

HAZARD_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "kind",
        "record_id",
        "hazard",
        "region",
        "region_name",
        "industry",
        "industry_name",
        "level",
        "state",
        "source",
        "listed",
        "listing_level",
        "listing_lifted",
        "discovered_at",
        "deadline",
        "closed_at",
        "overdue",
        "action",
        "at",
    ],
    "properties": {
        "kind": {"const": "hazard_change"},
        "record_id": {"type": "integer", "minimum": 1},
        "hazard": {"type": "string", "minLength": 1, "maxLength": 30, "description": "the ledger code"},
        "region": _CODE,
        "region_name": {"type": "string", "maxLength": 100},
        "industry": {"type": "string", "maxLength": 40},
        "industry_name": {"type": "string", "maxLength": 100},
        "level": {"enum": ["major", "general", ""]},
        "state": {
            "enum": [
                "reported",
                "confirmed",
                "handed_over",
                "rectifying",
                "pending_verification",
                "closed",
                "withdrawn",
            ]
        },
        "source": {"enum": ["self_inspection", "inspection", "tip_off"]},
        "listed": {"type": "boolean"},
        "listing_level": {"type": "string", "maxLength": 20},
        "listing_lifted": {"type": "boolean", "description": "the listing was lifted (摘牌) after closure"},
        "discovered_at": _TIME,
        "deadline": {"oneOf": [_DATE, {"type": "null"}]},
        "closed_at": {"oneOf": [_TIME, {"type": "null"}]},
        "overdue": {"type": "boolean"},
        "action": {"type": "string", "maxLength": 24, "description": "the ledger event that made the change"},
        "at": _TIME,
    },
}

MONTHLY_AGGREGATE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "kind",
        "record_id",
        "month",
        "region",
        "industry",
        "found",
        "closed",
        "overdue",
        "self_found",
        "department_found",
        "accidents",
    ],
    "properties": {
        "kind": {"const": "monthly_aggregate"},
        "record_id": {"type": "integer", "minimum": 1},
        "month": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"},
        "region": _CODE,
        "industry": {"type": "string", "maxLength": 40},
        "found": _COUNT,
        "closed": _COUNT,
        "overdue": _COUNT,
        "self_found": _COUNT,
        "department_found": _COUNT,
        "accidents": _COUNT,
    },
}

BATCH_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:hazard-ledger:exchange:v1:batch",
    "title": "Hazard ledger exchange batch, version 1",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "batch_id", "province", "seq", "prev_sha256", "created_at", "records"],
    "properties": {
        "version": {"const": VERSION},
        "batch_id": {"type": "string", "format": "uuid", "pattern": "^[0-9a-f-]{36}$"},
        "province": _CODE,
        "seq": {"type": "integer", "minimum": 1, "description": "1, 2, 3 … per province, no gaps"},
        "prev_sha256": _HASH,
        "created_at": _TIME,
        "records": {
            "type": "array",
            "maxItems": 1000,
            "items": {"oneOf": [HAZARD_CHANGE, MONTHLY_AGGREGATE]},
        },
    },
}

_VALIDATOR = Draft202012Validator(BATCH_SCHEMA)


def schema_errors(document: Any) -> list[str]:
    """Every way the document breaks the schema, as 'path: message' lines (empty when it conforms)."""
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda error: list(error.absolute_path))
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(batch)'}: {error.message}"
        for error in errors
    ]


def body_bytes(document: dict[str, Any]) -> bytes:
    """The batch's bytes as sent: compact, keys sorted, UTF-8."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signature(body: bytes, key: str) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, key: str, header: str) -> bool:
    expected = f"sha256={signature(body, key)}"
    return hmac.compare_digest(expected, header or "")
