"""Withdrawing takes a hazard out of the loop as surely as closing it: a major hazard needs the authority
that would verify it (DESIGN.md section 5), and the page offers the withdrawal exactly when the service
allows it."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import NotFoundError, PermissionDeniedError
from hazards.models import Hazard
from hazards.services import hazard_withdraw
from hazards.services.permissions import available_actions
from organizations.models import Membership
from tests.factories import DepartmentFactory, UserFactory

ALLOWED, DENIED, HIDDEN = "allowed", "403", "404"

# Who may withdraw at each point: a hazard not yet graded and a general one go to any regulator or committee;
# a major one only to an inspector of a department it was handed over to, or to committee staff. The
# "covering" inspector regulates the industry in the region but was not handed the hazard.
EXPECTED = {
    "reported": {
        "officer": DENIED,
        "head": DENIED,
        "inspector": ALLOWED,
        "covering": ALLOWED,
        "committee": ALLOWED,
        "admin": DENIED,
        "outsider": HIDDEN,
        "other_tenant": HIDDEN,
    },
    "general": {
        "officer": DENIED,
        "head": DENIED,
        "inspector": ALLOWED,
        "covering": ALLOWED,
        "committee": ALLOWED,
        "admin": DENIED,
        "outsider": HIDDEN,
        "other_tenant": HIDDEN,
    },
    "major_confirmed": {  # no department has been handed it yet: only the committee
        "officer": DENIED,
        "head": DENIED,
        "inspector": DENIED,
        "covering": DENIED,
        "committee": ALLOWED,
        "admin": DENIED,
        "outsider": HIDDEN,
        "other_tenant": HIDDEN,
    },
    "major_handed_over": {
        "officer": DENIED,
        "head": DENIED,
        "inspector": ALLOWED,
        "covering": DENIED,
        "committee": ALLOWED,
        "admin": DENIED,
        "outsider": HIDDEN,
        "other_tenant": HIDDEN,
    },
}
CASES = [(point, role) for point, roles in EXPECTED.items() for role in roles]


def _build(ledger: Any, point: str) -> Hazard:
    return {
        "reported": ledger.reported,
        "general": lambda: ledger.confirmed("general"),
        "major_confirmed": ledger.confirmed,
        "major_handed_over": ledger.handed_over,
    }[point]()


def _actor(world: Any, role: str) -> Any:
    w = world.a
    if role == "other_tenant":
        return world.b.inspector
    if role == "covering":
        # Another city department regulating hazardous chemicals: it covers the hazard, nobody handed it over.
        department = DepartmentFactory.create(
            region=w.city, name="一市另一危化监管部门", industries=[w.industries["hazardous_chemicals"]]
        )
        user = UserFactory.create(tenant=w.tenant, username="alpha-covering-inspector")
        Membership.objects.create(tenant=w.tenant, user=user, role="inspector", department=department)
        return user
    return w.users[role]


@pytest.mark.parametrize(("point", "role"), CASES)
def test_withdrawal_follows_the_authority_to_verify_and_the_page_offers_exactly_that(
    world, ledger, point, role
) -> None:
    hazard = _build(ledger, point)
    actor = _actor(world, role)
    expected = EXPECTED[point][role]
    before = (hazard.state, hazard.events.count())
    if expected == HIDDEN:
        with pytest.raises(NotFoundError):
            hazard_withdraw(actor=actor, hazard=hazard, reason="重复上报")
    elif expected == DENIED:
        assert "withdraw" not in available_actions(actor, hazard)
        with pytest.raises(PermissionDeniedError):
            hazard_withdraw(actor=actor, hazard=hazard, reason="重复上报")
    else:
        assert "withdraw" in available_actions(actor, hazard)
        hazard_withdraw(actor=actor, hazard=hazard, reason="重复上报")
        hazard.refresh_from_db()
        assert hazard.state == "withdrawn"
        assert hazard.events.order_by("-id").values_list("action", "actor_id")[0] == ("withdraw", actor.pk)
        return
    hazard.refresh_from_db()
    assert (hazard.state, hazard.events.count()) == before  # a refusal changes nothing


def test_a_major_hazard_refuses_the_covering_inspector_in_the_api_and_the_browser(
    world, api, client, ledger
) -> None:
    w = world.a
    hazard = ledger.confirmed()  # major, not handed over
    api.as_user(w.inspector)
    response = api.post(f"/api/v1/hazards/{hazard.pk}/withdraw/", {"reason": "重复上报"}, format="json")
    assert response.status_code == 403
    assert "committee staff" in response.json()["detail"]
    client.force_login(w.inspector)
    page = client.get(f"/ledger/{hazard.pk}/").content.decode()
    assert f"/ledger/{hazard.pk}/withdraw/" not in page
    assert client.post(f"/ledger/{hazard.pk}/withdraw/", {"reason": "重复上报"}).status_code == 403
    hazard.refresh_from_db()
    assert hazard.state == "confirmed"
    # The committee over the region holds the authority: offered on the page, and it works.
    client.force_login(w.committee)
    assert f"/ledger/{hazard.pk}/withdraw/" in client.get(f"/ledger/{hazard.pk}/").content.decode()
    assert client.post(f"/ledger/{hazard.pk}/withdraw/", {"reason": "重复上报"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.state == "withdrawn"
