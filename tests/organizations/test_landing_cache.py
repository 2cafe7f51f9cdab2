"""The landing page's numbers are counted once a minute per scope (a province's whole ledger is counted), and
a user's own change shows on their next page at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hazards.selectors import landing_panel
from organizations.choices import Role
from organizations.selectors import landing_numbers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _open(actor: Any) -> int:
    panel = landing_panel(actor)
    assert panel is not None
    return next(tile["count"] for tile in panel["context"]["tiles"] if tile["key"] == "open")


def test_users_of_one_scope_share_the_counts_and_others_do_not(world: Any, ledger: Any):
    w = world.a
    colleague = UserFactory.create(username="alpha-committee-2", tenant=w.tenant)
    MembershipFactory.create(user=colleague, role=Role.COMMITTEE_STAFF, region=w.city)
    assert _open(w.committee) == 0
    ledger.reported()  # by the enterprise: not the committee's own write
    with CaptureQueriesContext(connection) as counted:
        assert _open(colleague) == 0  # the same scope: the shared figure, no query
        assert landing_numbers(colleague)["enterprises"] == landing_numbers(w.committee)["enterprises"]
    assert not [q for q in counted.captured_queries if "hazards_hazard" in q["sql"]]
    assert _open(w.inspector) == 1  # another scope counts for itself


def test_a_users_own_change_shows_on_their_next_page(world: Any, ledger: Any, client: Any):
    w = world.a
    client.force_login(w.committee)
    assert _open(w.committee) == 0
    hazard = ledger.reported()
    assert _open(w.committee) == 0  # someone else's change: within the minute
    response = client.post(f"/ledger/{hazard.pk}/confirm/", {"level": "general"})
    assert response.status_code == 302, response.content[:500]
    assert _open(w.committee) == 1  # their own: at once


def test_no_sharing_when_switched_off(world: Any, ledger: Any, settings: Any):
    settings.LANDING_CACHE_SECONDS = 0
    assert _open(world.a.committee) == 0
    ledger.reported()
    assert _open(world.a.committee) == 1
