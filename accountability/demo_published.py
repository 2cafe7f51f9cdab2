"""What the demo's committees published: every past month's disclosure of each region with a committee
(May to November 2023; December is left for a newcomer, and the browser journeys, to review and publish),
the regions' monthly rankings, and the final evaluations of the three 2023 campaigns, so that the first look
at /public/<tenant>/ shows real disclosures and rankings. Idempotent; runs after the scores
(settings.DEMO_SEEDERS).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction

from campaigns.models import Campaign
from disclosure.choices import PublicationStatus
from disclosure.services import publication_draft, publication_publish, regions_with_committee
from organizations.choices import Role
from organizations.models import Membership, Region, Tenant, User

from .evaluations import final_evaluation_create, final_evaluation_publish, ranking_publish
from .models import FinalEvaluation, RankingPublication, RegionAssessment

TZ = ZoneInfo("Asia/Shanghai")
DISCLOSED_MONTHS = range(5, 12)  # May to November 2023
RANKED_MONTHS = range(5, 13)  # May to December 2023: scored in the demo (accountability.demo)


def _committee_of(region: Region) -> User | None:
    membership = (
        Membership.objects.filter(role=Role.COMMITTEE_STAFF, region=region, is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def _published_on(month: int) -> dt.datetime:
    """The 5th of the next month, mid-morning: when a committee publishes last month's figures."""
    year, following = (2023, month + 1) if month < 12 else (2024, 1)
    return dt.datetime(year, following, 5, 10, 30, tzinfo=TZ)


def seed_disclosures(tenant: Tenant) -> None:
    for region in regions_with_committee(tenant):
        actor = _committee_of(region)
        if actor is None:
            continue
        for month in DISCLOSED_MONTHS:
            draft = publication_draft(region=region, month=dt.date(2023, month, 1))
            if draft is not None and draft.status == PublicationStatus.DRAFT:
                publication_publish(actor=actor, publication=draft, now=_published_on(month))


def seed_rankings(tenant: Tenant) -> None:
    parents = Region.objects.filter(
        tenant=tenant, pk__in=RegionAssessment.objects.filter(tenant=tenant).values("region__parent")
    ).order_by("path")
    for parent in parents:
        actor = _committee_of(parent)
        if actor is None:
            continue
        for month in RANKED_MONTHS:
            day = dt.date(2023, month, 1)
            if RankingPublication.objects.filter(tenant=tenant, region=parent, month=day).exists():
                continue
            if RegionAssessment.objects.filter(tenant=tenant, region__parent=parent, month=day).exists():
                ranking_publish(actor=actor, region=parent, month=day, now=_published_on(month))


def seed_final_evaluations(tenant: Tenant) -> None:
    for campaign in Campaign.objects.filter(tenant=tenant, end_date__lt=dt.date(2024, 1, 1)).select_related(
        "region"
    ):
        actor = _committee_of(campaign.region)
        if actor is None:
            continue
        evaluation = FinalEvaluation.objects.filter(campaign=campaign).first()
        if evaluation is None:
            evaluation = final_evaluation_create(actor=actor, campaign=campaign)
        if evaluation.published_at is None:
            final_evaluation_publish(
                actor=actor, evaluation=evaluation, now=dt.datetime(2024, 1, 20, 10, tzinfo=TZ)
            )


@transaction.atomic
def seed_published() -> None:
    for tenant in Tenant.objects.filter(slug__in=["liaoning", "shanxi"]).order_by("slug"):
        seed_disclosures(tenant)
        seed_rankings(tenant)
        seed_final_evaluations(tenant)
