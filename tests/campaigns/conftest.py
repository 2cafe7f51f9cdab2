import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import campaign_create


@pytest.fixture
def campaign(world: Any) -> Campaign:
    """Tenant A's city campaign covering this year, hazardous chemicals and construction."""
    w = world.a
    today = timezone.localdate()
    return campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市重大事故隐患专项排查整治",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=120),
        industries=[w.industries["hazardous_chemicals"], w.industries["construction"]],
        status="active",
    )
