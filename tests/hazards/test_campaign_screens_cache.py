"""A campaign's wall chart and dashboard count a city's campaign rows several ways (seconds at a province's
scale), so they are shared for LANDING_CACHE_SECONDS by the users of one scope, like the landing numbers;
a user's own change shows on their next look at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from campaigns.services import campaign_create
from hazards.campaign_stats import dashboard_series, wall_chart

pytestmark = pytest.mark.django_db


def _total(chart: dict[str, Any]) -> int:
    return sum(cell["total"] for row in chart["rows"] for cell in row["cells"])


@pytest.fixture
def campaign(world: Any) -> Any:
    w = world.a
    today = timezone.localdate()
    return campaign_create(
        actor=w.committee,
        region=w.city,
        name="危化专项整治",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=30),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )


def test_the_screens_are_shared_for_the_minute_and_show_ones_own_change(
    world, ledger, campaign, client
) -> None:
    w = world.a
    client.force_login(w.inspector)
    assert _total(wall_chart(actor=w.inspector, campaign=campaign)) == 0
    assert sum(dashboard_series(actor=w.inspector, campaign=campaign)["by_source"].values()) == 0
    hazard = ledger.reported()  # by the enterprise's officer: someone else's change
    assert _total(wall_chart(actor=w.inspector, campaign=campaign)) == 0  # within the minute
    assert sum(dashboard_series(actor=w.inspector, campaign=campaign)["by_source"].values()) == 0
    assert _total(wall_chart(actor=w.committee, campaign=campaign)) == 1  # another scope counts for itself
    response = client.post(f"/ledger/{hazard.pk}/confirm/", {"level": "general"})  # the inspector's own
    assert response.status_code == 302, response.content[:500]
    assert _total(wall_chart(actor=w.inspector, campaign=campaign)) == 1
    assert sum(dashboard_series(actor=w.inspector, campaign=campaign)["by_source"].values()) == 1


def test_no_sharing_when_switched_off(world, ledger, campaign, settings) -> None:
    settings.LANDING_CACHE_SECONDS = 0
    assert _total(wall_chart(actor=world.a.committee, campaign=campaign)) == 0
    ledger.reported()
    assert _total(wall_chart(actor=world.a.committee, campaign=campaign)) == 1
