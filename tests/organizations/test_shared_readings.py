"""Readings shared within a scope (organizations/shared_readings.py) are counted again by a worker once they
are half their life old, so that no user waits for a province's count: the users keep the figure they have
until the new one is stored; the recount is asked for once, stores nothing for a scope that has changed, and
a broker that cannot be reached costs the page nothing."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from campaigns.services import campaign_create
from core.rls import tenant_context
from hazards.campaign_stats import wall_chart
from hazards.selectors import landing_panel
from organizations import shared_readings
from organizations.choices import Role
from organizations.shared_readings import REFRESH_AFTER_SHARE, count_module, recount
from organizations.tasks import recount_shared_reading
from tests.factories import MembershipFactory


def _open(actor: Any) -> int:
    panel = landing_panel(actor)
    assert panel is not None
    return next(tile["count"] for tile in panel["context"]["tiles"] if tile["key"] == "open")


def _age(name: str, actor: Any, settings: Any, **params: Any) -> str:
    """Make the stored reading look as old as a recount asks for; returns its key."""
    key = shared_readings._key(name, actor, params)
    _counted_at, value = cache.get(key)
    old = time.time() - settings.LANDING_CACHE_SECONDS * REFRESH_AFTER_SHARE - 1
    cache.set(key, (old, value), timeout=settings.LANDING_CACHE_SECONDS)
    return key


def _message(name: str, key: str, actor: Any, **params: Any) -> dict[str, Any]:
    return {
        "name": name,
        "module": count_module(name),
        "key": key,
        "user_id": actor.pk,
        "tenant_id": actor.tenant_id,
        "language": "en",
        "params": params,
    }


@pytest.mark.django_db(transaction=True)
def test_an_old_reading_is_recounted_by_a_worker_while_users_keep_the_figure_they_have(
    world: Any, ledger: Any, settings: Any, live_worker: Any, app_role_connection: str
):
    committee, tenant = world.a.committee, world.a.tenant
    with tenant_context(tenant):  # as a request of the committee's, under row-level security
        assert _open(committee) == 0
    with tenant_context(tenant):
        ledger.reported()  # by the enterprise: someone else's change
    key = _age("landing-ledger", committee, settings)
    with tenant_context(tenant), CaptureQueriesContext(connection) as counted:
        assert _open(committee) == 0  # the figure it has, at once: the worker counts
    assert not [q for q in counted.captured_queries if "hazards_hazard" in q["sql"]]
    deadline = time.monotonic() + 30
    while cache.get(key)[1]["open"] != 1:
        assert time.monotonic() < deadline, "no worker counted the reading again"
        time.sleep(0.1)
    with tenant_context(tenant):
        assert _open(committee) == 1


@pytest.mark.django_db
def test_the_recount_is_asked_for_once_and_only_when_the_reading_is_old(
    world: Any, settings: Any, monkeypatch: Any
):
    asked: list[dict[str, Any]] = []
    monkeypatch.setattr(recount_shared_reading, "delay", lambda **message: asked.append(message))
    committee = world.a.committee
    _open(committee)
    _open(committee)
    assert asked == []  # young: nothing to count
    key = _age("landing-ledger", committee, settings)
    _open(committee)
    _open(committee)
    assert asked == [_message("landing-ledger", key, committee)]  # two pages, one recount


@pytest.mark.django_db
def test_a_recount_stores_nothing_once_the_users_scope_has_changed(world: Any, settings: Any):
    w = world.a
    inspector = w.inspector
    _open(inspector)
    key = _age("landing-ledger", inspector, settings)
    stored = cache.get(key)
    MembershipFactory.create(user=inspector, role=Role.COMMITTEE_STAFF, region=w.province)  # a wider remit
    assert recount(**_message("landing-ledger", key, inspector)) is False
    assert cache.get(key) == stored  # not filled with the province's rows


@pytest.mark.django_db
def test_a_recount_counts_a_campaigns_wall_chart_as_the_page_does(world: Any, settings: Any, ledger: Any):
    committee = world.a.committee
    today = timezone.localdate()
    campaign = campaign_create(
        actor=committee,
        region=world.a.city,
        name="危化专项整治",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=30),
        industries=[world.a.industries["hazardous_chemicals"]],
        status="active",
    )
    chart = wall_chart(actor=committee, campaign=campaign)
    key = _age("wall-chart", committee, settings, campaign_id=campaign.pk)
    ledger.reported()
    assert recount(**_message("wall-chart", key, committee, campaign_id=campaign.pk)) is True
    recounted = cache.get(key)[1]
    assert recounted != chart
    settings.LANDING_CACHE_SECONDS = 0
    assert recounted == wall_chart(actor=committee, campaign=campaign)  # what a page counts itself


@pytest.mark.django_db
def test_a_broker_that_cannot_be_reached_costs_the_page_nothing(world: Any, settings: Any, monkeypatch: Any):
    def unreachable(**message: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(recount_shared_reading, "delay", unreachable)
    committee = world.a.committee
    assert _open(committee) == 0
    _age("landing-ledger", committee, settings)
    assert _open(committee) == 0
