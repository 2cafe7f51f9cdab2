"""The demo world shows the four assessments, accidents by grade and sanctions without an accident."""

import io

import pytest
from django.core.management import call_command

from accountability.models import Accident, RegionAssessment, Sanction, SanctionEvidence, SpotCheck


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def demo(standards, settings, tmp_path) -> None:
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    seed()


def test_the_demo_shows_spot_checks_graded_accidents_and_sanctions_for_poor_work(demo) -> None:
    checks = SpotCheck.objects.filter(tenant__slug="liaoning")
    assert checks.count() >= 10
    assert checks.filter(missed_count=0).exists() and checks.filter(missed_count__gt=0).exists()
    assert SpotCheck.objects.filter(tenant__slug="shanxi").exists()
    scored = RegionAssessment.objects.filter(tenant__slug="liaoning", region__parent__code="210200")
    assert any(row.indicators.get("spot_check_pass_rate") is not None for row in scored)
    assert any(row.indicators.get("accident_deduction") for row in scored)
    grades = dict(Accident.objects.filter(tenant__slug="liaoning").values_list("grade", "reporting"))
    assert grades == {"general": "on_time", "larger": "late"}
    standalone = Sanction.objects.filter(tenant__slug="liaoning", investigation__isnull=True)
    assert {"accident_reporting", "overdue_major_hazards"} <= set(standalone.values_list("basis", flat=True))
    assert SanctionEvidence.objects.filter(sanction__in=standalone).count() >= standalone.count()
    assert not Sanction.objects.filter(track="enterprise", kind="dismissal").exists()
    before = (SpotCheck.objects.count(), Sanction.objects.count(), Accident.objects.count())
    seed()
    assert (SpotCheck.objects.count(), Sanction.objects.count(), Accident.objects.count()) == before
