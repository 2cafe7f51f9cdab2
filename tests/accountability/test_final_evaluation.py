"""The final evaluation of a campaign and the published rankings: who may, when, what the public sees."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accountability.evaluations import final_evaluation_create, final_evaluation_publish, ranking_publish
from accountability.models import FinalEvaluation, RankingPublication, RegionAssessment
from campaigns.models import Campaign, Task
from campaigns.services import campaign_create

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def _assess(w: Any, region: Any, month: dt.date, score: str, rank: int) -> None:
    RegionAssessment.objects.create(
        tenant=w.tenant,
        region=region,
        region_path=region.path,
        month=month,
        indicators={},
        groups={"progress": score},
        score=Decimal(score),
        rank=rank,
        rank_of=2,
        computed_at=timezone.now(),
    )


@pytest.fixture
def finished(world: Any) -> Campaign:
    """Tenant A's city campaign of February and March 2026, over; both counties scored both months."""
    w = world.a
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市专项整治",
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2026, 3, 31),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    _assess(w, w.county, FEB, "90.00", 1)
    _assess(w, w.sibling_county, FEB, "60.00", 2)
    _assess(w, w.county, MAR, "80.00", 1)
    _assess(w, w.sibling_county, MAR, "70.00", 2)
    task = Task.objects.create(
        tenant=w.tenant, campaign=campaign, number="1", title="排查", due_date=dt.date(2026, 3, 1), percent=50
    )
    task.regions.set([w.county])
    return campaign


def _url(campaign: Campaign) -> str:
    return f"/api/v1/campaigns/{campaign.pk}/final-evaluation/"


def test_committee_evaluates_a_finished_campaign_over_its_whole_period(world, api, finished):
    response = api.as_user(world.a.committee).post(_url(finished))
    assert response.status_code == 201, response.content
    rows = {row["code"]: row for row in response.json()["rows"]}
    county, sibling = rows[world.a.county.code], rows[world.a.sibling_county.code]
    # County: mean 85.00, tasks 50 % -> 0.8 * 85 + 0.2 * 50 = 78.00; sibling: no task, its mean 65.00.
    assert (county["mean_score"], county["task_percent"], county["final_score"]) == (
        "85.00",
        "50.00",
        "78.00",
    )
    assert (county["rank"], county["grade"]) == (1, "good")
    assert (sibling["final_score"], sibling["rank"], sibling["grade"], sibling["bottom_months"]) == (
        "65.00",
        2,
        "pass",
        2,
    )


def test_a_campaign_still_running_or_already_evaluated_is_a_409(world, api, finished):
    w = world.a
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="进行中",
        start_date=today - dt.timedelta(days=30),
        end_date=today,
        industries=[w.industries["hazardous_chemicals"]],
    )
    assert api.as_user(world.a.committee).post(_url(campaign)).status_code == 409
    assert api.as_user(world.a.committee).post(_url(finished)).status_code == 201
    response = api.as_user(world.a.committee).post(_url(finished))
    assert response.status_code == 409
    assert FinalEvaluation.objects.filter(campaign=finished).count() == 1


def test_other_roles_get_403_and_other_tenants_404(world, api, finished):
    assert api.as_user(world.a.inspector).post(_url(finished)).status_code == 403
    assert api.as_user(world.a.admin).post(_url(finished)).status_code == 403
    assert api.as_user(world.b.committee).post(_url(finished)).status_code == 404
    assert api.as_user(world.a.outsider).post(_url(finished)).status_code == 404
    assert not FinalEvaluation.objects.exists()


def test_published_evaluation_is_frozen(world, api, finished):
    evaluation = final_evaluation_create(actor=world.a.committee, campaign=finished)
    publish = f"/api/v1/final-evaluations/{evaluation.pk}/publish/"
    assert api.as_user(world.a.inspector).post(publish).status_code in (403, 404)
    assert api.as_user(world.b.committee).post(publish).status_code == 404
    assert api.as_user(world.a.committee).post(publish).status_code == 200
    assert api.as_user(world.a.committee).post(publish).status_code == 409
    evaluation.refresh_from_db()
    assert evaluation.published_at is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        FinalEvaluation.objects.filter(pk=evaluation.pk).update(rows=[])
    with pytest.raises(DatabaseError), transaction.atomic():
        FinalEvaluation.objects.filter(pk=evaluation.pk).delete()


def test_ranking_publication_needs_a_computed_month_and_happens_once(world, api, finished):
    client = api.as_user(world.a.committee)
    bad = client.post("/api/v1/ranking-publications/", {"region": world.a.city.pk, "month": "2026-13"})
    assert bad.status_code == 400 and "month" in bad.json()
    empty = client.post("/api/v1/ranking-publications/", {"region": world.a.city.pk, "month": "2025-01"})
    assert empty.status_code == 400 and "month" in empty.json()
    assert not RankingPublication.objects.exists()
    assert (
        api.as_user(world.a.inspector)
        .post("/api/v1/ranking-publications/", {"region": world.a.city.pk, "month": "2026-03"})
        .status_code
        == 403
    )
    assert (
        api.as_user(world.b.committee)
        .post("/api/v1/ranking-publications/", {"region": world.a.city.pk, "month": "2026-03"})
        .status_code
        == 400
    )  # another tenant's region reads as nonexistent: the field is named
    client = api.as_user(world.a.committee)
    ok = client.post("/api/v1/ranking-publications/", {"region": world.a.city.pk, "month": "2026-03"})
    assert ok.status_code == 201, ok.content
    assert [row["code"] for row in ok.json()["rows"]] == [world.a.county.code, world.a.sibling_county.code]
    again = client.post("/api/v1/ranking-publications/", {"region": world.a.city.pk, "month": "2026-03"})
    assert again.status_code == 409
    with pytest.raises(DatabaseError), transaction.atomic():
        RankingPublication.objects.update(rows=[])


def test_public_rankings_show_only_what_was_published_with_no_personal_data(
    world, client, finished, django_capture_on_commit_callbacks
):
    w = world.a
    url = reverse("public-rankings", args=[w.tenant.slug])
    evaluation = final_evaluation_create(actor=w.committee, campaign=finished)
    before = client.get(url + "?lang=en")
    assert before.status_code == 200
    assert "No final evaluation has been published yet." in before.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        final_evaluation_publish(actor=w.committee, evaluation=evaluation)
        ranking_publish(actor=w.committee, region=w.city, month=MAR)
    page = client.get(url + "?lang=en")
    text = page.content.decode()
    assert "78.00" in text and "County A" in text and "一市专项整治" in text
    for person in (w.committee, w.inspector, w.admin):
        assert person.username not in text
    assert "Set-Cookie" not in page.headers and "Cookie" not in page.headers.get("Vary", "")
    # Language from ?lang= alone, whatever the browser asks for; the other tenant's page is its own.
    assert "一市专项整治" in client.get(url, **EN).content.decode()
    assert '<html lang="zh-hans">' in client.get(url, **EN).content.decode()
    assert '<html lang="en">' in text
    assert "78.00" not in client.get(reverse("public-rankings", args=[world.b.tenant.slug])).content.decode()


def test_public_page_is_cached_until_the_next_publication(
    world, client, finished, django_assert_num_queries, django_capture_on_commit_callbacks
):
    w = world.a
    url = reverse("public-rankings", args=[w.tenant.slug])
    assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        ranking_publish(actor=w.committee, region=w.city, month=MAR)
    assert "80.00" in client.get(url).content.decode()


def test_evaluation_exports_as_the_annual_assessment_input(world, client, finished):
    w = world.a
    evaluation = final_evaluation_create(actor=w.committee, campaign=finished)
    client.force_login(w.admin)  # sees it (the whole tenant), but only committee staff export it
    assert client.get(reverse("final-evaluation-xlsx", args=[evaluation.pk])).status_code == 403
    client.force_login(w.inspector)  # evaluations are the committees' records
    assert client.get(reverse("final-evaluation-xlsx", args=[evaluation.pk])).status_code == 404
    client.force_login(world.b.committee)
    assert client.get(reverse("final-evaluation-xlsx", args=[evaluation.pk])).status_code == 404
    client.force_login(w.committee)
    response = client.get(reverse("final-evaluation-xlsx", args=[evaluation.pk]), **EN)
    assert response.status_code == 200
    rows = [
        [cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    header = rows.index(next(row for row in rows if row[0] == "Rank"))
    first = rows[header + 1]
    assert first[:5] == [1, w.county.code, w.county.name, 78, "Good"]


def test_committee_pages_evaluate_and_publish_in_the_browser(world, client, finished):
    w = world.a
    client.force_login(w.committee)
    page = reverse("campaign-final-evaluation", args=[finished.pk])
    assert "Evaluate the campaign" in client.get(page, **EN).content.decode()
    assert client.post(page).status_code == 302
    evaluation = FinalEvaluation.objects.get(campaign=finished)
    assert client.post(reverse("final-evaluation-publish", args=[evaluation.pk])).status_code == 302
    assert "It no longer changes." in client.get(page, **EN).content.decode()
    assert client.post(page).status_code == 409
    form = client.post(reverse("ranking-publications"), {"region": w.city.pk, "month": "2026-03"})
    assert form.status_code == 302
    assert RankingPublication.objects.filter(region=w.city, month=MAR).exists()
