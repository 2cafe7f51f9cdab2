"""The demo world's first look at the public site: past months' disclosures, rankings and final evaluations,
published by the committees (Shanxi's province committee included), with no personal data."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accountability.models import FinalEvaluation, RankingPublication
from disclosure.models import Publication
from organizations.models import User


@pytest.fixture
def demo(standards, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", force=True, stdout=io.StringIO())


def test_the_public_site_of_the_demo_shows_published_months_rankings_and_final_evaluations(demo) -> None:
    for slug in ("liaoning", "shanxi"):
        published = Publication.objects.filter(tenant__slug=slug, status="published")
        assert {p.month.month for p in published} == set(range(5, 12))
        assert not Publication.objects.filter(tenant__slug=slug, month__month=12).exists()  # left to review
        index = Client().get(f"/public/{slug}/").content.decode()
        assert all(f"/public/{slug}/p/{p.public_id}/" in index for p in published)
    shanxi_province = Publication.objects.filter(
        tenant__slug="shanxi", region__code="140000", status="published"
    )
    assert shanxi_province.count() == 7
    assert {p.published_by.username if p.published_by else None for p in shanxi_province} == {"sx-committee"}
    assert FinalEvaluation.objects.filter(published_at__isnull=False).count() == 3
    assert RankingPublication.objects.filter(tenant__slug="shanxi", region__code="140000").count() == 8
    page = Client().get("/public/liaoning/rankings/").content.decode()
    evaluation = FinalEvaluation.objects.get(campaign__region__code="210200")
    assert evaluation.campaign.name in page
    assert all(row["name"] in page for row in evaluation.rows)
    people = User.objects.filter(tenant__slug__in=["liaoning", "shanxi"])
    for secret in [*people.values_list("full_name", flat=True), *people.values_list("phone", flat=True)]:
        if secret:
            assert secret not in page
    # Seeding again publishes nothing twice.
    before = (
        Publication.objects.count(),
        RankingPublication.objects.count(),
        FinalEvaluation.objects.count(),
    )
    call_command("seed_demo", force=True, stdout=io.StringIO())
    assert before == (
        Publication.objects.count(),
        RankingPublication.objects.count(),
        FinalEvaluation.objects.count(),
    )
