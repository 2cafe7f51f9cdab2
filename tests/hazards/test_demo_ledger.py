"""The demo ledger: a believable 2023 history, built through the services, idempotent."""

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from hazards.choices import HazardState
from hazards.models import (
    Evidence,
    Extension,
    HandoverReceipt,
    Hazard,
    HazardEvent,
    Inspection,
    Notification,
    SelfInspection,
    Verification,
)
from organizations.models import Membership, User

SHANGHAI = ZoneInfo("Asia/Shanghai")


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def demo(standards, settings, tmp_path) -> None:
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path  # rectification photos land here, not in the developer's .data
    seed()


def counts() -> dict[str, int]:
    models = (
        Hazard,
        HazardEvent,
        Inspection,
        SelfInspection,
        Extension,
        HandoverReceipt,
        Verification,
        Evidence,
        User,
        Membership,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_ledger_tells_a_believable_2023(demo, settings) -> None:
    liaoning = Hazard.objects.filter(tenant__slug="liaoning")
    shanxi = Hazard.objects.filter(tenant__slug="shanxi")
    assert 270 <= liaoning.count() <= 330
    assert 65 <= shanxi.count() <= 95
    assert not liaoning.exclude(region_path__startswith="210000/210200/").exists()
    assert not shanxi.exclude(region_path__startswith="140000/140100/").exists()

    # Every state of the loop is represented, most older records closed.
    states = Counter(liaoning.values_list("state", flat=True))
    assert set(states) == set(HazardState.values), states
    summer = liaoning.filter(discovered_at__lt=dt.datetime(2023, 9, 1, tzinfo=SHANGHAI))
    assert summer.filter(state=HazardState.CLOSED).count() > 0.7 * summer.count()
    assert 1 <= states[HazardState.WITHDRAWN] <= 20
    assert (
        liaoning.filter(state=HazardState.WITHDRAWN).exclude(withdrawn_reason="").count()
        == (states[HazardState.WITHDRAWN])
    )

    # Grades and sources.
    hazards = Hazard.objects.all()
    graded = hazards.exclude(level="")
    general_share = graded.filter(level="general").count() / graded.count()
    assert 0.75 <= general_share <= 0.92, general_share
    majors = hazards.filter(level="major")
    inspection_share = majors.filter(source="inspection").count() / majors.count()
    assert 0.5 <= inspection_share <= 0.7, inspection_share
    assert not majors.filter(criterion__isnull=True).exists()
    assert not majors.exclude(criterion__standard__industry_code=F("industry__code")).exists()
    kinds = set(Inspection.objects.values_list("kind", flat=True))
    assert kinds == {"routine", "unannounced", "covert", "cross_region", "expert_assisted", "reinspection"}
    kind_counts = Counter(Inspection.objects.values_list("kind", flat=True))
    assert kind_counts.most_common(1)[0][0] == "unannounced"

    # Supervision: overdue laggards, listed majors, extensions both ways, mostly acknowledged handovers.
    assert liaoning.filter(is_overdue=True, state=HazardState.RECTIFYING).exists()
    assert not hazards.filter(is_overdue=True, deadline__gte=dt.date(2024, 1, 2)).exists()
    listed = hazards.filter(listed=True)
    assert listed.exists()
    assert not listed.exclude(level="major").exists()
    assert listed.filter(listing_document__regex=r"^大安委〔2023〕\d+号$").exists()
    # Listed supervision to the end: standing listings, one past its deadline (escalated by the sweep once),
    # and listings lifted by their body after closure; the body is always a committee, never typed.
    assert listed.filter(listing_lifted_at__isnull=True, state__in=["rectifying", "handed_over"]).exists()
    escalated = listed.filter(listing_escalated_at__isnull=False, listing_lifted_at__isnull=True)
    assert escalated.exists()
    assert HazardEvent.objects.filter(action="listing_overdue").count() == escalated.count()
    lifted = listed.filter(listing_lifted_at__isnull=False)
    assert lifted.exists() and not lifted.exclude(state="closed").exists()
    assert not listed.filter(listing_committee__isnull=True).exists()
    # The e2e journey lifts one: closed, listed by the Dalian committee, not lifted yet.
    assert listed.filter(
        state="closed", listing_lifted_at__isnull=True, listing_committee__code="210200"
    ).exists()
    statuses = set(Extension.objects.values_list("status", flat=True))
    assert {"approved", "refused"} <= statuses
    receipts = HandoverReceipt.objects.all()
    assert receipts.filter(acknowledged_at__isnull=False).count() > 0.8 * receipts.count()
    major_with_report = majors.filter(reports__isnull=False).distinct()
    assert major_with_report.exists()
    assert not major_with_report.filter(evidence__isnull=True).exists()

    # Every record has a history whose last line is its state, all within the campaign.
    last_state: dict[int, str] = {}
    for hazard_id, to_state in HazardEvent.objects.order_by("hazard_id", "created_at", "id").values_list(
        "hazard_id", "to_state"
    ):
        last_state[hazard_id] = to_state
    for hazard_id, state in hazards.values_list("id", "state"):
        assert last_state.get(hazard_id) == state, hazard_id
    start = dt.datetime(2023, 5, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2024, 1, 1, tzinfo=SHANGHAI)
    assert not hazards.exclude(discovered_at__gte=start, discovered_at__lt=end).exists()
    assert not HazardEvent.objects.filter(
        action__in=["report", "plan", "verify"], created_at__gte=end
    ).exists()
    assert not hazards.exclude(code__contains="-2023-").exists()

    # Codes are unique per tenant and follow the calendar within each region.
    codes = list(hazards.values_list("tenant_id", "code"))
    assert len(codes) == len(set(codes))
    for region_id in hazards.values_list("region_id", flat=True).distinct():
        ordered = list(
            hazards.filter(region_id=region_id).order_by("discovered_at", "id").values_list("code", flat=True)
        )
        assert ordered == sorted(ordered)

    # Monthly self-inspections: the named enterprises every month; most other Dalian firms some months.
    for name in ("大连恒泰石化储运有限公司", "太原汾河煤业有限公司"):
        periods = SelfInspection.objects.filter(enterprise__name=name, status="submitted").values_list(
            "period", flat=True
        )
        assert sorted(periods) == [dt.date(2023, month, 1) for month in range(5, 13)]
    filers = set(SelfInspection.objects.values_list("enterprise_id", flat=True))
    demo_enterprises = set(
        Membership.objects.filter(
            user__username__startswith="ent-", enterprise__region_path__startswith="210000/210200/"
        ).values_list("enterprise_id", flat=True)
    )
    assert 0.5 * len(demo_enterprises) <= len(filers & demo_enterprises) < len(demo_enterprises)
    assert hazards.filter(self_inspection__isnull=False).exists()
    for submitted in SelfInspection.objects.all()[:20]:
        assert submitted.submitted_at is not None
        assert timezone.localtime(submitted.submitted_at, SHANGHAI).date().replace(day=1) == submitted.period

    # The enterprise accounts made for the demo are real accounts with the demo password.
    user = User.objects.filter(username__startswith="ent-", username__endswith="-head").order_by("pk").first()
    assert user is not None
    assert user.full_name
    assert user.phone.startswith("139")
    assert user.check_password(settings.DEMO_PASSWORD)


def test_seeding_twice_changes_nothing(demo) -> None:
    before = counts()
    seed()
    assert counts() == before


def test_the_demo_shows_self_reported_majors_and_categories(demo) -> None:
    liaoning = Hazard.objects.filter(tenant__slug="liaoning")
    proposed = liaoning.filter(proposed_level="major")
    assert proposed.filter(self_inspection__isnull=False).exists()  # a standard's item answered "hazard"
    assert proposed.filter(self_inspection__isnull=True).exists()  # reported directly as major
    assert proposed.filter(level="major").exists()  # confirmed as proposed
    regraded = proposed.filter(level="general")
    assert regraded.exists()  # overstated, regraded with a reason
    reasons = HazardEvent.objects.filter(hazard__in=regraded, action="confirm").values_list("data", flat=True)
    assert all(data["reason"] for data in reasons)
    assert not liaoning.filter(category="").exists()  # every demo hazard is classed
    assert set(liaoning.values_list("category", flat=True)) == {
        "equipment",
        "behaviour",
        "management",
        "environment",
    }
    assert Notification.objects.filter(kind="major_reported", hazard__in=proposed).exists()
