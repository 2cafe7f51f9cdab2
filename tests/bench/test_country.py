"""The country bench's pieces at a tiny scale: a load province of another code, and the national tenant filled
from generated provinces as the exchange would have filled it."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from bench.national_fill import connect, ensure_national, fill_major_hazards
from exchange.models import ExchangePartner, ReceivedBatch, ReportedChange, ReportedHazard, UpwardBatch
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
