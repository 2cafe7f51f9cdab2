"""The demo world shows closure acceptance and re-checks after closure: majors closed with their on-site
acceptance and frozen report, and Liaoning's re-checks, one held and one not held (that hazard reopened)."""

import hashlib
import io

import pytest
from django.core.management import call_command

from hazards.choices import HazardAction, HazardLevel, HazardState
from hazards.models import ClosureAcceptance, ClosureReport, HazardEvent, Recheck


@pytest.fixture
def demo(standards, settings, tmp_path) -> None:
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_closes_majors_with_their_acceptance_and_rechecks_some(demo) -> None:
    accepted = ClosureAcceptance.objects.filter(hazard__level=HazardLevel.MAJOR, tenant__slug="liaoning")
    assert accepted.exists()
    for record in accepted[:3]:
        assert len(record.participants) >= 2 and record.conclusion and record.department_id
        report = ClosureReport.objects.get(acceptance=record)
        assert report.sha256 == hashlib.sha256(bytes(report.pdf)).hexdigest()

    rechecks = Recheck.objects.filter(tenant__slug="liaoning")
    held = rechecks.get(held=True)
    assert held.hazard.state == HazardState.CLOSED
    not_held = rechecks.get(held=False)
    assert not_held.hazard.state == HazardState.RECTIFYING
    actions = list(
        HazardEvent.objects.filter(hazard=not_held.hazard).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-2:] == [HazardAction.RECHECK, HazardAction.REOPEN]

    before = rechecks.count()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert Recheck.objects.filter(tenant__slug="liaoning").count() == before
