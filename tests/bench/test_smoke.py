"""A small-scale smoke of the load generator and of `make bench` (real runs are far too slow for tests)."""

import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from bench.__main__ import main as bench_main
from hazards.choices import HazardState
from hazards.models import Hazard, HazardEvent, Inspection, SelfInspection
from hazards.services import hazard_confirm
from hazards.services.chain import chain_verify
from hazards.standards import standards_load
from organizations.models import Enterprise, Region, Tenant, User
from organizations.validators import validate_credit_code, validate_region_code


def _database_url() -> str:
    """The test database as a URL, for the gunicorn and probe processes the bench starts."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_generate_load_builds_a_valid_tenant_and_the_bench_reports_on_it(tmp_path, monkeypatch) -> None:
    standards_load()  # reference data a transactional test's flush may have emptied; majors cite it
    call_command("generate_load", tenant="smoke", enterprises=200, hazards=2000, counties_per_city=0)
    tenant = Tenant.objects.get(slug="smoke")

    assert Enterprise.objects.filter(tenant=tenant).count() == 200
    for enterprise in Enterprise.objects.filter(tenant=tenant)[:50]:
        validate_credit_code(enterprise.credit_code)
        assert enterprise.industries.count() == 1
    for region in Region.objects.filter(tenant=tenant):
        validate_region_code(region.code)
    hazards = Hazard.objects.filter(tenant=tenant)
    assert hazards.count() == 2000
    assert len(set(hazards.values_list("code", flat=True))) == 2000
    states = Counter(hazards.values_list("state", flat=True))
    assert set(states) == set(HazardState.values)  # every state is there
    assert states[HazardState.CLOSED] > states[HazardState.RECTIFYING]
    # Each hazard's events replay its state: the last event ends where the hazard is.
    for hazard in hazards.filter(state__in=[HazardState.CLOSED, HazardState.RECTIFYING])[:30]:
        events = list(HazardEvent.objects.filter(hazard=hazard).order_by("created_at", "id"))
        assert events[0].action == "report" and events[-1].to_state == hazard.state
    assert Inspection.objects.filter(tenant=tenant).exists()
    assert SelfInspection.objects.filter(tenant=tenant, status="submitted").exists()
    # The services work on generated rows, and new codes continue the generated sequence.
    reported = hazards.filter(state=HazardState.REPORTED).first()
    assert reported is not None
    committee = User.objects.get(username=f"smoke-committee-{reported.region_path.split('/')[1]}")
    assert hazard_confirm(actor=committee, hazard=reported, level="general").state == HazardState.CONFIRMED
    # The generated events are one unbroken hash chain, which the confirmation above extended.
    report = chain_verify(tenant=tenant)
    assert report.intact and report.events == HazardEvent.objects.filter(tenant=tenant).count(), str(report)

    monkeypatch.setenv("DATABASE_URL", _database_url())
    output = tmp_path / "benchmarks.md"
    assert bench_main(["--tenant", "smoke", "--quick", "--output", str(output)]) == 0
    report = output.read_text(encoding="utf-8")
    assert "## Machine" in report and "PostgreSQL" in report
    for row in [
        "ledger list API",
        "ledger HTML page",
        "hazard detail",
        "a state transition",
        "monthly scoring",
        "monthly disclosure",
        "upward report of a province's month",
        "public disclosure page",
        "XLSX export",
        "XLSX export job of the whole ledger",
        "enterprise import",
    ]:
        assert re.search(rf"\| {row}[^|]*\| [\d.]+ (ms|s|req/s)", report), row
    assert "## Scaling" in report and "## Mixed load" in report
    assert re.search(r"\| \*\*all\*\* \| [1-9]\d* \|", report)  # the load test got answers
    assert "load average at start" in report and "load average at end" in report
    # Every screen is a request type of the mix, with its verdict; the bare view is one, both ways.
    for kind in [
        "baseline: bare view, signed in",
        "baseline: bare view, anonymous",
        "enterprise: inbox",
        "committee: wall chart",
        "committee: campaign dashboard",
        "committee: rankings",
        "committee: big screen",
        "committee: API big screen",
    ]:
        assert re.search(
            rf"\| {kind} \| \d+ \|.*\| ≤ 300 ms; ≤ 5x bare; no errors \| (yes|\*\*NO\*\*) \|", report
        ), kind
    assert "### Open loop (20 requests/s" in report
