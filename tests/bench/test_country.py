"""The country bench's pieces at a tiny scale: a load province of another code, and the national tenant filled
from generated provinces as the exchange would have filled it."""

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from bench.national_fill import connect, ensure_national, fill_major_hazards
from core.rls import tenant_context
from exchange.choices import BatchState
from exchange.models import (
    ExchangePartner,
    ReceivedBatch,
    ReportedChange,
    ReportedHazard,
    UpwardBatch,
    UpwardRecord,
)
from exchange.selectors import national_major_hazards, national_provinces
from hazards.choices import OPEN_STATES
from hazards.models import Hazard, HazardEvent
from hazards.services.chain import chain_verify
from hazards.standards import standards_load
from organizations.models import Region, Tenant
from organizations.validators import validate_region_code


@pytest.mark.django_db(transaction=True)
def test_a_load_province_of_another_code_and_the_national_tenant_filled_from_it() -> None:
    standards_load()  # reference data a transactional test's flush may have emptied; majors cite it
    call_command(
        "generate_load", tenant="jilin", enterprises=60, hazards=1500, counties_per_city=0, province="220000"
    )
    call_command("generate_load", tenant="liaoning", enterprises=60, hazards=1500, counties_per_city=0)
    jilin, liaoning = Tenant.objects.get(slug="jilin"), Tenant.objects.get(slug="liaoning")

    # Jilin is not in regions.csv: numbered cities, each with a county (enterprises sit in counties).
    regions = Region.objects.filter(tenant=jilin)
    assert regions.get(parent__isnull=True).code == "220000"
    cities = sorted(regions.filter(level="city").values_list("code", flat=True))
    assert cities == [f"22{number:02d}00" for number in range(1, 15)]
    assert regions.filter(level="county").count() >= len(cities)
    for region in regions:
        validate_region_code(region.code)
    assert Hazard.objects.filter(tenant=jilin).count() == 1500
    for tenant in (jilin, liaoning):  # the chain the generator linked in Python is the trigger's
        report = chain_verify(tenant=tenant)
        events = HazardEvent.objects.filter(tenant=tenant).count()
        assert report.intact and report.events == events, str(report)

    national, staff = ensure_national("country-national")
    for province in (liaoning, jilin):
        connect(national, province)
        filled = fill_major_hazards(national, province)
        assert filled == Hazard.objects.filter(tenant=province, level="major").count() > 0
        assert fill_major_hazards(national, province) == 0  # once
    # Both ends record the bulk batch, and the partner's chain follows it.
    for code, province in (("210000", liaoning), ("220000", jilin)):
        partner = ExchangePartner.objects.get(tenant=national, province_code=code)
        received = ReceivedBatch.objects.get(partner=partner)
        sent = UpwardBatch.objects.get(tenant=province)
        assert (partner.last_seq, partner.last_sha256) == (1, received.sha256)
        assert (sent.seq, sent.sha256, sent.batch_id) == (1, received.sha256, received.batch_id)
        # One change per event the exchange trigger records for a major hazard (not the report of one that
        # was graded later), in the province's order.
        recorded = HazardEvent.objects.filter(tenant=province, hazard__level="major").filter(
            ~Q(action="report") | Q(hazard__source="inspection")
        )
        changes = ReportedChange.objects.filter(tenant=national, hazard__province_code=code)
        assert changes.count() == recorded.count()

    # What the national staff see is what the provinces hold.
    summaries = {summary.code: summary for summary in national_provinces(actor=staff)}
    for code, province in (("210000", liaoning), ("220000", jilin)):
        majors = Hazard.objects.filter(tenant=province, level="major")
        assert summaries[code].open_majors == majors.filter(state__in=OPEN_STATES).count()
        assert summaries[code].closed_majors == majors.filter(state="closed").count()
        assert summaries[code].overdue_majors == majors.filter(state__in=OPEN_STATES, is_overdue=True).count()
        listed = national_major_hazards(actor=staff, filters={"province": code})
        assert set(listed.values_list("code", flat=True)) == set(majors.values_list("code", flat=True))
    assert ReportedHazard.objects.filter(tenant=national).count() == sum(
        Hazard.objects.filter(tenant=t, level="major").count() for t in (jilin, liaoning)
    )


@pytest.mark.django_db(transaction=True)
def test_the_fill_ends_where_the_real_exchange_path_ends(monkeypatch) -> None:
    """The same province generated twice: once as the bench does (triggers off, then the set-based fill),
    once with every trigger on, so the exchange trigger writes the outbox and its batches go through
    upward_batch_make and exchange_receive. The national sides must agree."""
    from exchange.receive import exchange_receive
    from exchange.upward import upward_batch_make
    from hazards.management.commands import generate_load

    standards_load()
    call_command("generate_load", tenant="fast", enterprises=40, hazards=800, counties_per_city=0)
    monkeypatch.setattr(generate_load, "_skip_foreign_key_checks", lambda: None)  # triggers stay on
    call_command("generate_load", tenant="real", enterprises=40, hazards=800, counties_per_city=0)
    fast, real = Tenant.objects.get(slug="fast"), Tenant.objects.get(slug="real")
    assert UpwardRecord.objects.filter(tenant=real).exists() and not UpwardRecord.objects.filter(tenant=fast)

    national_fast, _staff = ensure_national("national-fast")
    connect(national_fast, fast)
    assert fill_major_hazards(national_fast, fast) > 0
    national_real, _staff = ensure_national("national-real")
    connect(national_real, real)
    partner = ExchangePartner.objects.get(tenant=national_real)
    while True:
        with tenant_context(real):
            batch = upward_batch_make(tenant=real, now=timezone.now())
        if batch is None:
            break
        exchange_receive(
            actor=partner.user, body=batch.body.encode(), signature_header=f"sha256={batch.signature}"
        )
        UpwardBatch.objects.filter(pk=batch.pk).update(state=BatchState.SENT)

    fields = [f.name for f in ReportedHazard._meta.fields if f.name not in ("id", "tenant")]
    hazards_fast = set(ReportedHazard.objects.filter(tenant=national_fast).values_list(*fields))
    hazards_real = set(ReportedHazard.objects.filter(tenant=national_real).values_list(*fields))
    assert hazards_fast == hazards_real and len(hazards_fast) > 10

    # The changes: the same events, but for two things the generated rows cannot show the trigger. It reads
    # the hazard as it is when the event is inserted — generated rows are already in their last state — so it
    # records the report of a hazard graded major only later, and every record carries the last state; in
    # the product each event's record carries the state that event left (the fill writes that: to_state).
    def changes(national: Tenant) -> set[tuple[str, str, object]]:
        rows = ReportedChange.objects.filter(tenant=national).exclude(
            action="report", hazard__source__in=["self_inspection", "tip_off"]
        )
        return set(rows.values_list("hazard__code", "action", "at"))

    assert changes(national_fast) == changes(national_real)
    for change in ReportedChange.objects.filter(tenant=national_fast).select_related("hazard")[:200]:
        events = HazardEvent.objects.filter(
            tenant=fast, hazard__code=change.hazard.code, action=change.action
        ).values_list("created_at", "to_state")
        assert change.state in {state for at, state in events if at.replace(microsecond=0) == change.at}


@pytest.mark.django_db(transaction=True)
def test_the_warm_pipeline_timings_redo_one_month_and_leave_nothing_behind() -> None:
    from bench.country import next_month_to_run, pipeline_rows, run_monthly_jobs, time_monthly_jobs_warm
    from disclosure.models import Publication

    standards_load()
    call_command("generate_load", tenant="warm", enterprises=40, hazards=800, counties_per_city=0)
    tenant = Tenant.objects.get(slug="warm")
    _seconds, cold_month, _split = run_monthly_jobs(tenant)
    month = next_month_to_run(tenant)
    assert month < cold_month

    seconds, timed_month = time_monthly_jobs_warm(tenant, samples=2)

    assert timed_month == month and len(seconds) == 2 and all(value > 0 for value in seconds)
    # Rolled back each time: the month is still to run, so every sample did the whole month's work.
    assert next_month_to_run(tenant) == month
    assert not Publication.objects.filter(tenant=tenant, month=month).exists()

    saved = {
        "warm_seconds": [2.0, 1.0, 3.0],
        "warm_month": "2026-10-01",
        "jobs_seconds": 4.0,
        "jobs_month": "2026-11-01",
    }
    target, cold = pipeline_rows(
        saved, [(5.0, month, {}), (5.0, month, {})], [([1.1, 1.3], month), ([1.4], month)], ""
    )
    assert target.ratio == "1.25x" and not target.met  # (1.1 + 1.4) / (2 x the best alone, 1.0)
    assert cold.ratio == "1.25x" and cold.met  # information only
