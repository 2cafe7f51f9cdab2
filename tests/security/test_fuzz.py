"""Schema-driven fuzzing of the API with schemathesis, in process against the WSGI application.

For each role of alpha, and for a caller with no account, every operation of `/api/schema/` gets
FUZZ_EXAMPLES generated requests (valid per the schema) on top of the crawler's world, so lists serialize
real rows. The operations come from the schema, so an endpoint added tomorrow is fuzzed tomorrow. Each
response must be no server error and must conform to the schema: documented status code, content type,
body (errors included) and headers. Raise FUZZ_EXAMPLES (and unset FUZZ_DERANDOMIZE) for a deeper run than
CI's bounded one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from organizations.services import auth_token_issue

from ..conftest import World
from .conftest import AlphaObjects

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,  # no timed assertions: a slow machine is not a failure
    database=None,  # nothing written under the work tree
    derandomize=os.environ.get("FUZZ_DERANDOMIZE", "1") == "1",  # CI sees the same cases every run
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Operations left out, each with the reason.
EXCLUDED: dict[str, str] = {
    "POST /api/v1/auth/token/": (
        "generated passwords lock accounts (django-axes) and trip the token throttle by design; "
        "tests/organizations/test_auth.py covers the endpoint"
    ),
}


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI handler, in this thread and transaction like the test client: the handler's
    request signals must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    "role", ["officer", "head", "inspector", "committee", "admin", "security", "auditor", "anonymous"]
)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    admins: World, alpha: AlphaObjects, wsgi_app: Any, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    world = admins
    # Hundreds of requests a minute from one account are the point here, not abuse.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "100000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "100000/min")
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = (
        {}
        if role == "anonymous"
        else {"Authorization": f"Token {auth_token_issue(user=world.a.users[role])}"}
    )
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema raises here, as it should
        if operation.label in EXCLUDED:
            continue
        operations += 1

        @SETTINGS
        @hypothesis.given(case=operation.as_strategy())
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except Exception as error:  # every operation runs; all failures are reported together
            failures.append(f"{operation.label}:\n{error}")
    assert operations > 80
    assert not failures, "\n\n".join(failures)
