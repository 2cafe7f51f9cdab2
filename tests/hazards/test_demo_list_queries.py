"""Every list in the API costs the same number of queries for one row as for fifty (no N+1), on the demo."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accountability.services import accident_record, case_open
from disclosure.services import publication_build_month
from disclosure.tipoffs import tipoff_file
from exports.services import export_request
from organizations.models import Enterprise, Tenant, User
from organizations.scoping import forget_scope
from organizations.signing_in.policy import sign_in_succeeded

# Lists that hold fewer than two rows even after `demo` tops them up: a page of one and a page of fifty are
# the same page there, so this test cannot tell an N+1 in them. Kept explicit so a new thin list shows.
THIN_IN_THE_DEMO = {"/api/v1/enterprise-imports/", "/api/v1/scoring-schemes/"}


@pytest.fixture
def demo(standards, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", force=True, stdout=io.StringIO())
    # The demo has one accident (and case) and no tip-offs or drafts yet: make every list at least two rows.
    tenant = Tenant.objects.get(slug="liaoning")
    enterprise = Enterprise.objects.filter(tenant=tenant, region__code="210211").first()
    assert enterprise is not None
    accident = accident_record(
        actor=User.objects.get(username="dl-yj-inspector"),
        enterprise=enterprise,
        occurred_at=timezone.now(),
        description="储罐区泄漏",
    )
    case_open(actor=User.objects.get(username="dl-committee"), accident=accident)
    for text in ("有人夜间在储罐区附近动火作业", "厂区消防通道长期被货物堵塞"):
        tipoff_file(tenant=tenant, region=enterprise.region, description=text, client_address="192.0.2.1")
    publication_build_month(tenant=tenant, month=timezone.localdate().replace(day=1))
    for username in ("ln-admin", "dl-committee"):  # the audit log's first entries
        sign_in_succeeded(User.objects.get(username=username), via="browser")
    for fmt in ("csv", "xlsx"):  # the administrator's export list (queued: no worker runs them here)
        export_request(actor=User.objects.get(username="ln-admin"), kind="ledger", fmt=fmt, params={})


def list_paths() -> list[str]:
    """GET operations without a path id that answer a page of rows: the paginated lists."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, operations in schema["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        reference = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        if "{" not in path and reference.startswith("#/components/schemas/Paginated"):
            paths.append(path)
    return sorted(paths)


def test_no_api_list_queries_per_row(demo, api) -> None:
    admin = User.objects.get(username="ln-admin")
    api.as_user(admin)
    growing, thin = {}, set()
    paths = list_paths()
    assert "/api/v1/hazards/" in paths and "/api/v1/enterprises/" in paths

    auditor = User.objects.get(username="ln-auditor")  # the audit log is the audit administrator's alone

    def fetch(path: str, size: int) -> tuple[int, int]:
        caller = auditor if path == "/api/v1/audit-log/" else admin
        api.as_user(caller)
        forget_scope(caller)  # each request resolves the scope afresh, as a real one does
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path, {"page_size": size})
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return len(captured), len(response.json()["results"])

    for path in paths:
        one, _rows = fetch(path, 1)
        fifty, rows = fetch(path, 50)
        if rows < 2:
            thin.add(path)
        elif fifty != one:
            growing[path] = (one, fifty)
    assert growing == {}, "queries grow with the rows: (page of 1, page of 50)"
    assert thin == THIN_IN_THE_DEMO
