"""The schema at /api/schema/ is the API's contract: other systems generate their clients from it. It must be
valid OpenAPI 3, say which variant of a `oneOf` a value is without guessing, document every error an operation
can answer in the shape the API gives it, and carry the rules the API enforces on input. (That every answer
conforms to it is the fuzzer's part, tests/security/test_fuzz.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import schemathesis
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import EndpointEnumerator
from schemathesis.core.result import Err
from schemathesis.specs.openapi.definitions import OPENAPI_30

from core.api.months import MONTH_PATTERN
from organizations.validators import credit_code_check_character

from ..conftest import World
from .conftest import AlphaObjects

METHODS = {"get", "put", "post", "patch", "delete"}
SAFE_ERRORS = {"400", "401", "403", "404", "429"}
UNSAFE_ERRORS = {"409", "413"}


@pytest.fixture
def schema(db: None, client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, items in schema["paths"].items():
        for method, operation in items.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, operation


def resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if (
        set(node) - {"description", "readOnly", "writeOnly", "default"} == {"allOf"}
        and len(node["allOf"]) == 1
    ):
        return resolve(node["allOf"][0], schema)
    return node


def disjoint(a: dict[str, Any], b: dict[str, Any], schema: dict[str, Any]) -> bool:
    """True when no value can match both: different enum values, different types, or a property both
    require whose values cannot agree (a discriminator a JSON Schema validator checks without knowing it)."""
    a, b = resolve(a, schema), resolve(b, schema)
    if "enum" in a and "enum" in b:
        return not {json.dumps(v) for v in a["enum"]} & {json.dumps(v) for v in b["enum"]}
    types = {a.get("type"), b.get("type")}
    if None not in types and len(types) == 2 and types != {"integer", "number"}:
        return not (a.get("nullable") and b.get("nullable"))
    if types == {"object"}:
        common = set(a.get("required", [])) & set(b.get("required", []))
        return any(
            disjoint(a["properties"][name], b["properties"][name], schema)
            for name in common
            if name in a.get("properties", {}) and name in b.get("properties", {})
        )
    return False


def one_ofs(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "oneOf" in node:
            yield where, node
        for key, value in node.items():
            yield from one_ofs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from one_ofs(value, f"{where}/{index}")


def url_patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def test_every_api_endpoint_is_in_the_schema(schema: dict[str, Any]) -> None:
    """What the schema lists the fuzzer fuzzes and clients call: an endpoint left out of it (a plain Django
    view, `exclude=True`) would escape both."""
    shape = re.compile(r"\{[^}]+\}")
    documented = {
        shape.sub("{}", path): {method for method in items if method in METHODS}
        for path, items in schema["paths"].items()
    }
    enumerator = EndpointEnumerator()
    missing: set[str] = set()
    for route, pattern in url_patterns(get_resolver().url_patterns):
        path = enumerator.get_path_from_regex(route)
        if not path.startswith("/api/") or "{format}" in path or path in {"/api/schema/", "/api/docs/"}:
            continue
        if pattern.name == "api-root":
            continue  # the routers' browsable index of links, not an operation
        view = getattr(pattern.callback, "cls", None)
        if view is None:
            missing.add(f"{path}: not an API view, so not in the schema")
            continue
        actions = getattr(pattern.callback, "actions", None)
        # DRF adds 'head' to a viewset's actions at its first request: only the methods the schema names.
        methods = set(actions) & METHODS if actions else {m for m in METHODS if hasattr(view, m)}
        absent = methods - documented.get(shape.sub("{}", path), set())
        if absent:
            missing.add(f"{path}: {sorted(absent)} not in the schema")
    assert len(documented) > 80
    assert not missing, "\n".join(sorted(missing))


def test_the_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.0.")
    # The OpenAPI Initiative's JSON Schema of 3.0 documents, as schemathesis ships it.
    errors = sorted(jsonschema.Draft4Validator(OPENAPI_30).iter_errors(schema), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])
    # And a schema-driven tool can read every operation of it.
    loaded = schemathesis.openapi.from_dict(schema)
    unreadable = [str(result.err()) for result in loaded.get_all_operations() if isinstance(result, Err)]
    assert not unreadable, "\n".join(unreadable)


def test_no_one_of_leaves_a_validator_to_guess(schema: dict[str, Any]) -> None:
    """Each `oneOf` has variants no value can match twice, and a `discriminator` names every variant."""
    ambiguous = []
    for where, node in one_ofs(schema, ""):
        variants = node["oneOf"]
        for i, a in enumerate(variants):
            for b in variants[i + 1 :]:
                if not disjoint(a, b, schema):
                    ambiguous.append(f"{where}: {json.dumps(a)} and {json.dumps(b)} can match the same value")
        if "discriminator" in node:
            mapped = set(node["discriminator"].get("mapping", {}).values())
            unnamed = [v["$ref"] for v in variants if v.get("$ref") not in mapped]
            if unnamed:
                ambiguous.append(f"{where}: the discriminator does not name {unnamed}")
    assert not ambiguous, "\n".join(ambiguous)


def test_the_ambiguity_check_sees_overlapping_variants(schema: dict[str, Any]) -> None:
    """The check above would fail on what it is for: objects told apart by nothing, overlapping enums."""
    region: dict[str, Any] = {
        "type": "object",
        "properties": {"rank": {"type": "integer"}},
        "required": ["rank"],
    }
    department = {**region, "properties": {**region["properties"], "department": {"type": "integer"}}}
    assert not disjoint(region, department, schema)
    tagged = [
        {**r, "properties": {**r["properties"], "level": {"enum": [tag]}}, "required": ["rank", "level"]}
        for r, tag in ((region, "region"), (department, "department"))
    ]
    assert disjoint(tagged[0], tagged[1], schema)
    assert not disjoint({"enum": ["a", ""]}, {"enum": [""]}, schema)
    assert not disjoint({"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}, schema)


def test_every_operation_documents_its_errors_in_the_shape_the_api_gives_them(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    missing = []
    for label, method, operation in operations(schema):
        expected = SAFE_ERRORS | (UNSAFE_ERRORS if method != "get" else set())
        for code in sorted(expected):
            content = operation["responses"].get(code, {}).get("content", {})
            reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            shape = reference.rsplit("/", 1)[-1]
            if code != "400" and shape != "Error":
                missing.append(f"{label} {code}: {shape or 'no body'} instead of Error")
            if code == "400" and not shape.endswith("ValidationError"):
                missing.append(f"{label} 400: {shape or 'no body'} instead of a ValidationError")
        # The 400 names each field of the body with its messages.
        body = operation.get("requestBody", {}).get("content", {})
        if body:
            request = resolve(next(iter(body.values()))["schema"], schema)
            error = resolve(operation["responses"]["400"]["content"]["application/json"]["schema"], schema)
            unnamed = set(request.get("properties", {})) - set(error["properties"])
            if unnamed:
                missing.append(f"{label} 400 does not name the fields {sorted(unnamed)}")
    assert not missing, "\n".join(missing)


def test_every_answer_with_a_body_says_what_the_body_is(schema: dict[str, Any]) -> None:
    bare = [
        f"{label} {code}"
        for label, _method, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code != "204" and not any("schema" in media for media in response.get("content", {}).values())
    ]
    assert not bare, "\n".join(bare)


def test_a_validation_error_names_each_field_with_a_list_of_messages(world: World, api: Any) -> None:
    """One shape for every 400, however a view raised it (here a single message for a query parameter)."""
    api.as_user(world.a.committee)
    answer = api.get("/api/v1/assessments/", {"level": "street"})
    assert answer.status_code == 400
    assert answer.json() == {"level": ["Choose region, department or enterprise."]}


def property_of(schema: dict[str, Any], component: str, name: str) -> dict[str, Any]:
    return resolve(schema["components"]["schemas"][component]["properties"][name], schema)


def matches(value: str, node: dict[str, Any]) -> bool:
    return jsonschema.Draft4Validator(node).is_valid(value)


def test_the_codes_the_api_checks_are_patterns_in_the_schema(schema: dict[str, Any]) -> None:
    code17 = "91440300192203821"
    credit_code = code17 + credit_code_check_character(code17)
    for component in ("EnterpriseInputRequest", "PatchedEnterpriseInputRequest", "Enterprise"):
        node = property_of(schema, component, "credit_code")
        assert matches(credit_code, node), component
        for wrong in ("91440300192203821I", code17, credit_code + "0", "9144030019220382-7"):
            assert not matches(wrong, node), (component, wrong)
    for component in ("RegionInputRequest", "Region", "RegionBrief"):
        node = property_of(schema, component, "code")
        for right in ("210000", "210200", "100000"):
            assert matches(right, node), (component, right)
        for wrong in ("21020", "2102000", "990000", "21O200"):
            assert not matches(wrong, node), (component, wrong)


def test_months_are_patterns_in_the_schema(schema: dict[str, Any]) -> None:
    """Every `month` the API takes or gives as text is YYYY-MM (it refuses anything else with a 400)."""
    assert matches("2023-06", {"pattern": MONTH_PATTERN}) and not matches(
        "2023-13", {"pattern": MONTH_PATTERN}
    )
    loose = []
    for label, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            named = parameter["name"] == "month" or parameter.get("description", "").startswith("YYYY-MM")
            if named and parameter["schema"].get("pattern") != MONTH_PATTERN:
                loose.append(f"{label} ?{parameter['name']}={parameter['schema']}")
    for name, component in schema["components"]["schemas"].items():
        month = resolve(component.get("properties", {}).get("month", {}), schema)
        if (
            month.get("type") == "string"
            and month.get("format") != "date"
            and month.get("pattern") != MONTH_PATTERN
        ):
            loose.append(f"{name}.month {month}")
    assert not loose, "\n".join(loose)


@pytest.mark.parametrize("month", ["2023-13", "99999999999999999999-01", "June"])
def test_a_month_outside_the_pattern_is_refused_naming_the_field(world: World, api: Any, month: str) -> None:
    api.as_user(world.a.committee)
    for url in ("/api/v1/publications/", "/api/v1/assessments/", "/api/v1/rechecks/"):
        answer = api.get(url, {"month": month})
        assert answer.status_code == 400, url
        assert list(answer.json()) == ["month"], url


def test_input_beyond_the_schemas_bounds_is_refused_naming_the_field(
    world: World, alpha: AlphaObjects, api: Any, schema: dict[str, Any]
) -> None:
    """What the schema bounds the API refuses with a 400 naming the field (not a database error), and
    what the database bounds the schema says."""
    w = world.a
    attempts = [
        (
            w.committee,
            f"/api/v1/accountability-cases/{alpha.ids['case']}/investigation/",
            {"track": "enterprise", "subject_person": "张" * 101},
            "subject_person",
            ("InvestigationInputRequest", "maxLength", 100),
        ),
        (
            w.inspector,
            f"/api/v1/tasks/{alpha.ids['task']}/progress/",
            {"percent": 101, "narrative": "done"},
            "percent",
            ("ProgressInputRequest", "maximum", 100),
        ),
    ]
    for user, url, payload, field, (component, keyword, bound) in attempts:
        assert property_of(schema, component, field)[keyword] == bound
        answer = api.as_user(user).post(url, payload, format="json")
        assert answer.status_code == 400, (url, answer.status_code)
        assert field in answer.json(), answer.json()
