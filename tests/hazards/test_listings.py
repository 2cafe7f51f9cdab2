"""Listed supervision (挂牌督办) to the end: listing within the lister's authority by level, the listing
body as the lister's unit, verification by the body or above, lifting (摘牌) after closure, the daily
escalation of overdue listings, the listings register, and the counts on the wall chart and the public
disclosure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import InvalidStateError, PermissionDeniedError
from disclosure.content import build_content
from hazards.campaign_stats import wall_chart
from hazards.choices import HazardAction, HazardState, ListingLevel
from hazards.models import Hazard, HazardEvent, Notification
from hazards.services import (
    hazard_lift_listing,
    hazard_list_supervision,
    hazard_submit,
    hazard_verify,
)
from hazards.services.overdue import overdue_sweep
from hazards.services.permissions import available_actions, listing_levels_for
from organizations.choices import Role
from organizations.models import User
from organizations.scoping import forget_scope, scope_for
from tests.factories import MembershipFactory, UserFactory, acceptance, photo

EN = {"Accept-Language": "en"}
A = HazardAction


def _member(w: Any, name: str, role: str, **unit: Any) -> User:
    user = UserFactory.create(username=f"alpha-{name}", tenant=w.tenant)
    MembershipFactory.create(user=user, role=role, **unit)
    return user


def _listed(w: Any, ledger: Any, actor: User | None = None, level: str = ListingLevel.CITY) -> Hazard:
    return hazard_list_supervision(
        actor=actor or w.committee,
        hazard=ledger.rectifying(),
        level=level,
        document_number="一安委〔2026〕3号",
        deadline=timezone.localdate() + dt.timedelta(days=20),
    )


def _closed(w: Any, hazard: Hazard, verifier: User | None = None) -> Hazard:
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已加装紧急切断阀", evidence=[photo()])
    return hazard_verify(
        actor=verifier or w.committee, hazard=hazard, accepted=True, **acceptance(), note="验收合格"
    )


def _events(hazard: Hazard, action: str) -> int:
    return HazardEvent.objects.filter(hazard=hazard, action=action).count()


# ------------------------------------------------------------------ listing: the body and the level


def test_the_listing_body_is_the_listers_unit_never_typed(world, ledger) -> None:
    w = world.a
    by_committee = _listed(w, ledger)
    assert (by_committee.listing_committee, by_committee.listing_department) == (w.city, None)
    assert by_committee.listing_body == "City One safety committee"
    by_inspector = _listed(w, ledger, actor=w.inspector, level=ListingLevel.COUNTY)
    assert (by_inspector.listing_department, by_inspector.listing_committee) == (w.department, None)
    assert by_inspector.listing_body == w.department.name
    event = by_inspector.events.get(action=A.LIST_SUPERVISION)
    assert event.data["department"] == w.department.pk and event.data["level"] == ListingLevel.COUNTY


def test_a_unit_lists_at_its_own_level_or_below_and_a_higher_level_is_403(world, ledger) -> None:
    w = world.a
    county_staff = _member(w, "county-committee", Role.COMMITTEE_STAFF, region=w.county)
    province_staff = _member(w, "province-committee", Role.COMMITTEE_STAFF, region=w.province)
    hazard = ledger.rectifying()
    assert listing_levels_for(scope_for(county_staff), hazard) == [ListingLevel.COUNTY]
    assert listing_levels_for(scope_for(w.inspector), hazard) == [ListingLevel.CITY, ListingLevel.COUNTY]
    assert len(listing_levels_for(scope_for(province_staff), hazard)) == 3
    for actor, level in (
        (county_staff, ListingLevel.CITY),
        (county_staff, ListingLevel.PROVINCE),
        (w.inspector, ListingLevel.PROVINCE),
        (w.committee, ListingLevel.PROVINCE),
    ):
        with pytest.raises(PermissionDeniedError):
            hazard_list_supervision(
                actor=actor, hazard=hazard, level=level, deadline=timezone.localdate() + dt.timedelta(days=9)
            )
    hazard.refresh_from_db()
    assert not hazard.listed and _events(hazard, A.LIST_SUPERVISION) == 0
    listed = hazard_list_supervision(
        actor=province_staff,
        hazard=hazard,
        level=ListingLevel.PROVINCE,
        deadline=timezone.localdate() + dt.timedelta(days=9),
    )
    assert listed.listing_committee == w.province


def test_listing_over_the_api_role_level_scope_state_and_input(world, api, ledger) -> None:
    w = world.a
    hazard = ledger.rectifying()
    url = f"/api/v1/hazards/{hazard.pk}/list-supervision/"
    good = {"level": "municipal", "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}
    assert api.as_user(w.officer).post(url, good, format="json").status_code == 403
    assert (
        api.as_user(w.inspector).post(url, {**good, "level": "provincial"}, format="json").status_code == 403
    )
    assert api.as_user(world.b.committee).post(url, good, format="json").status_code == 404
    bad_level = api.as_user(w.committee).post(url, {**good, "level": "national"}, format="json")
    assert bad_level.status_code == 400 and "level" in bad_level.json()
    past = api.as_user(w.committee).post(
        url, {**good, "deadline": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}, format="json"
    )
    assert past.status_code == 400 and "deadline" in past.json()
    hazard.refresh_from_db()
    assert not hazard.listed and _events(hazard, A.LIST_SUPERVISION) == 0
    done = api.as_user(w.committee).post(url, good, format="json")
    assert done.status_code == 200
    body = done.json()
    assert body["listed"] and body["listing_committee"] == w.city.pk
    assert body["listing_body"] == "City One safety committee"
    assert api.as_user(w.committee).post(url, good, format="json").status_code == 409  # already listed
    general = ledger.confirmed("general")
    response = api.as_user(w.committee).post(
        f"/api/v1/hazards/{general.pk}/list-supervision/", good, format="json"
    )
    assert response.status_code == 409


# ------------------------------------------------------------------ verifying a listed hazard


def test_a_listed_major_hazard_is_verified_only_by_the_listing_body_or_above(world, api, ledger) -> None:
    w = world.a
    hazard = _listed(w, ledger)  # by the city committee
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已整改", evidence=[photo()])
    # The inspector of the handed-over city department verifies majors, but not one the city committee listed.
    assert A.VERIFY not in available_actions(w.inspector, hazard)
    response = api.as_user(w.inspector).post(
        f"/api/v1/hazards/{hazard.pk}/verify/", {"accepted": True}, format="json"
    )
    assert response.status_code == 403
    hazard.refresh_from_db()
    assert hazard.state == HazardState.PENDING_VERIFICATION and _events(hazard, A.VERIFY) == 0
    with pytest.raises(PermissionDeniedError):
        hazard_verify(actor=w.inspector, hazard=hazard, accepted=False, note="不合格")
    province_staff = _member(w, "province-committee", Role.COMMITTEE_STAFF, region=w.province)
    assert A.VERIFY in available_actions(province_staff, hazard)  # a committee above the body
    assert A.VERIFY in available_actions(w.committee, hazard)
    hazard_verify(actor=province_staff, hazard=hazard, accepted=True, **acceptance(), note="省安委办验收")
    assert Hazard.objects.get(pk=hazard.pk).state == HazardState.CLOSED


def test_a_department_listing_leaves_verification_to_the_department_and_the_committee_above(
    world, ledger
) -> None:
    w = world.a
    county_staff = _member(w, "county-committee", Role.COMMITTEE_STAFF, region=w.county)
    hazard = _listed(w, ledger, actor=w.inspector)  # by the city department
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已整改", evidence=[photo()])
    assert A.VERIFY in available_actions(w.inspector, hazard)
    assert A.VERIFY in available_actions(w.committee, hazard)  # the committee of the body's region
    assert A.VERIFY not in available_actions(county_staff, hazard)  # a committee below the body
    with pytest.raises(PermissionDeniedError):
        hazard_verify(actor=county_staff, hazard=hazard, accepted=True, **acceptance())
    assert (
        hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, **acceptance()).state
        == HazardState.CLOSED
    )


# ------------------------------------------------------------------ lifting the listing


def test_lifting_the_listing_role_scope_state_input_and_one_event(world, api, ledger) -> None:
    w = world.a
    hazard = _listed(w, ledger)
    url = f"/api/v1/hazards/{hazard.pk}/lift-listing/"
    note = {"note": "整改销号，同意摘牌"}
    assert api.as_user(w.committee).post(url, note, format="json").status_code == 409  # not closed yet
    hazard = _closed(w, hazard)
    assert api.as_user(w.officer).post(url, note, format="json").status_code == 403
    assert api.as_user(w.inspector).post(url, note, format="json").status_code == 403  # not the body
    province_staff = _member(w, "province-committee", Role.COMMITTEE_STAFF, region=w.province)
    assert api.as_user(province_staff).post(url, note, format="json").status_code == 403  # above, not body
    assert api.as_user(world.b.committee).post(url, note, format="json").status_code == 404
    assert api.as_user(w.users["outsider"]).post(url, note, format="json").status_code == 404
    blank = api.as_user(w.committee).post(url, {"note": "  "}, format="json")
    assert blank.status_code == 400 and "note" in blank.json()
    hazard.refresh_from_db()
    assert hazard.listing_lifted_at is None and _events(hazard, A.LIFT_LISTING) == 0
    done = api.as_user(w.committee).post(url, note, format="json")
    assert done.status_code == 200 and done.json()["listing_lifted_at"]
    event = hazard.events.get(action=A.LIFT_LISTING)
    assert (event.actor, event.note, event.from_state, event.to_state) == (
        w.committee,
        "整改销号，同意摘牌",
        HazardState.CLOSED,
        HazardState.CLOSED,
    )
    again = api.as_user(w.committee).post(url, note, format="json")
    assert again.status_code == 409 and "already lifted" in again.json()["detail"]
    assert _events(hazard, A.LIFT_LISTING) == 1


def test_lifting_from_the_hazard_page_on_a_phone(world, client, ledger) -> None:
    w = world.a
    hazard = _closed(w, _listed(w, ledger))
    client.force_login(w.committee)
    page = client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    assert '<h2 id="action-lift_listing-heading" class="card-title">Lift the listing</h2>' in page
    assert f'action="/ledger/{hazard.pk}/lift-listing/"' in page
    assert 'name="viewport"' in page
    client.force_login(w.inspector)
    assert "action-lift_listing" not in client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    client.force_login(w.committee)
    empty = client.post(f"/ledger/{hazard.pk}/lift-listing/", {"note": ""}, headers=EN)
    assert empty.status_code == 400
    assert Hazard.objects.get(pk=hazard.pk).listing_lifted_at is None
    done = client.post(f"/ledger/{hazard.pk}/lift-listing/", {"note": "同意摘牌"}, follow=True, headers=EN)
    assert "Done: Lift the listing." in done.content.decode()
    assert "Listing lifted" in done.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).listing_lifted_at is not None


def test_the_listing_form_offers_only_the_levels_within_the_actors_authority(world, client, ledger) -> None:
    w = world.a
    hazard = ledger.rectifying()
    client.force_login(w.inspector)
    page = client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    form = page[page.index('id="action-list_supervision-heading"') :]
    assert 'value="municipal"' in form and 'value="county_level"' in form
    assert 'value="provincial"' not in form
    assert 'name="body"' not in form  # the body is the lister's unit, never typed
    too_high = client.post(
        f"/ledger/{hazard.pk}/list-supervision/",
        {"level": "provincial", "deadline": (timezone.localdate() + dt.timedelta(days=9)).isoformat()},
        headers=EN,
    )
    assert too_high.status_code == 400  # not a choice the form offers
    assert not Hazard.objects.get(pk=hazard.pk).listed


# ------------------------------------------------------------------ the daily sweep


def test_an_overdue_listing_escalates_to_the_bodys_committee_once(world, ledger) -> None:
    w = world.a
    by_department = _listed(w, ledger, actor=w.inspector)
    by_committee = _listed(w, ledger)
    closed = _closed(w, _listed(w, ledger))  # closed before its deadline: nothing to escalate
    later = timezone.localdate() + dt.timedelta(days=21)  # the listing deadlines were 20 days away
    now = timezone.now() + dt.timedelta(days=21)
    overdue_sweep(tenant=w.tenant, today=later, now=now)
    for hazard in (by_department, by_committee):
        hazard.refresh_from_db()
        assert hazard.listing_escalated_at == now
        assert _events(hazard, A.LISTING_OVERDUE) == 1
        notices = Notification.objects.filter(hazard=hazard, kind="listing_escalation")
        assert list(notices.values_list("user", flat=True)) == [w.committee.pk]  # city committee staff
    assert _events(closed, A.LISTING_OVERDUE) == 0
    assert not Notification.objects.filter(hazard=closed, kind="listing_escalation").exists()
    # The next days' sweeps (and a re-run) escalate nothing again.
    call_command("sweep_overdue", "--date", (later + dt.timedelta(days=1)).isoformat())
    overdue_sweep(tenant=w.tenant, today=later + dt.timedelta(days=2))
    for hazard in (by_department, by_committee):
        assert _events(hazard, A.LISTING_OVERDUE) == 1
        assert Notification.objects.filter(hazard=hazard, kind="listing_escalation").count() == 1


# ------------------------------------------------------------------ the listings register


def _register(world: Any, ledger: Any) -> dict[str, Hazard]:
    w = world.a
    county_staff = _member(w, "county-committee", Role.COMMITTEE_STAFF, region=w.county)
    lifted = _closed(w, _listed(w, ledger))
    hazard_lift_listing(actor=w.committee, hazard=lifted, note="同意摘牌")
    overdue = _listed(w, ledger, actor=county_staff, level=ListingLevel.COUNTY)
    Hazard.objects.filter(pk=overdue.pk).update(listing_deadline=timezone.localdate() - dt.timedelta(days=1))
    standing = _listed(w, ledger, actor=w.inspector)
    ledger.rectifying()  # never listed
    return {"lifted": lifted, "overdue": overdue, "standing": standing}


def test_the_listings_api_filters_by_level_overdue_and_lifted(world, api, ledger) -> None:
    rows = _register(world, ledger)
    api.as_user(world.a.committee)

    def ids(**params: str) -> set[int]:
        response = api.get("/api/v1/listings/", params)
        assert response.status_code == 200
        return {row["hazard"] for row in response.json()["results"]}

    assert ids() == {hazard.pk for hazard in rows.values()}
    assert ids(level="county_level") == {rows["overdue"].pk}
    assert ids(overdue="true") == {rows["overdue"].pk}
    assert ids(overdue="false") == {rows["lifted"].pk, rows["standing"].pk}
    assert ids(lifted="true") == {rows["lifted"].pk}
    assert ids(lifted="false", level="municipal") == {rows["standing"].pk}
    row = next(
        r for r in api.get("/api/v1/listings/").json()["results"] if r["hazard"] == rows["standing"].pk
    )
    assert row["body"] == {"kind": "department", "id": world.a.department.pk, "name": world.a.department.name}
    assert row["overdue"] is False and row["lifted"] is False
    bad = api.get("/api/v1/listings/", {"level": "national"})
    assert bad.status_code == 400 and "level" in bad.json()


def test_the_listings_api_is_scoped(world, api, ledger) -> None:
    rows = _register(world, ledger)
    assert api.as_user(world.b.committee).get("/api/v1/listings/").json()["results"] == []
    assert api.as_user(world.a.users["outsider"]).get("/api/v1/listings/").json()["results"] == []
    own = api.as_user(world.a.officer).get("/api/v1/listings/").json()["results"]
    assert {row["hazard"] for row in own} == {hazard.pk for hazard in rows.values()}  # its own enterprise's
    assert api.as_user(None).get("/api/v1/listings/").status_code in (401, 403)


def test_the_listings_api_reads_a_page_in_a_fixed_number_of_queries(world, api, ledger) -> None:
    w = world.a
    _register(world, ledger)
    api.as_user(w.committee)

    def queries() -> int:
        forget_scope(w.committee)
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/listings/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(4):
        _listed(w, ledger, actor=w.inspector)
    assert queries() == few


def test_the_listings_page_is_linked_for_regulators_and_filters(world, client, ledger) -> None:
    rows = _register(world, ledger)
    client.force_login(world.a.committee)
    page = client.get("/listings/", headers=EN).content.decode()
    assert 'href="/listings/"' in page  # in the navigation
    for hazard in rows.values():
        assert hazard.code in page
    filtered = client.get("/listings/", {"overdue": "true"}, headers=EN).content.decode()
    assert rows["overdue"].code in filtered and rows["standing"].code not in filtered
    assert "Past the listing deadline" in filtered
    client.force_login(world.a.officer)
    assert 'href="/listings/"' not in client.get("/ledger/", headers=EN).content.decode()
    client.force_login(world.b.committee)
    assert rows["standing"].code not in client.get("/listings/", headers=EN).content.decode()


# ------------------------------------------------------------------ counts by level


def test_the_wall_chart_and_the_disclosure_count_listings_by_level(world, ledger) -> None:
    from campaigns.services import campaign_create

    w = world.a
    rows = _register(world, ledger)
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市重大事故隐患专项排查整治",
        start_date=timezone.localdate() - dt.timedelta(days=60),
        end_date=timezone.localdate() + dt.timedelta(days=120),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    # Standing listings only: the lifted one no longer counts.
    assert wall_chart(actor=w.committee, campaign=campaign)["listings"] == {
        "provincial": 0,
        "municipal": 1,
        "county_level": 1,
    }
    content = build_content(region=w.city, month=timezone.localdate().replace(day=1))
    # Counts only, by level: the month's disclosed majors under listing at some point of the month.
    assert content["results"]["listed_by_level"] == {"provincial": 0, "municipal": 2, "county_level": 1}
    assert rows["lifted"].listing_document not in str(content["results"])


# ------------------------------------------------------------------ concurrency


@pytest.mark.django_db(transaction=True)
def test_two_lifts_at_once_leave_exactly_one_event(world, ledger) -> None:
    from tests.security.concurrently import race

    w = world.a
    second = _member(w, "committee-2", Role.COMMITTEE_STAFF, region=w.city)
    hazard = _closed(w, _listed(w, ledger))
    outcomes = race(
        lambda: hazard_lift_listing(actor=w.committee, hazard=hazard, note="甲同意摘牌"),
        lambda: hazard_lift_listing(actor=second, hazard=hazard, note="乙同意摘牌"),
        gate=("SELECT 1 FROM hazards_hazard WHERE id = %s FOR UPDATE", [hazard.pk]),
    )
    errors = [outcome.error for outcome in outcomes]
    assert sum(error is None for error in errors) == 1
    assert any(isinstance(error, InvalidStateError) for error in errors)
    assert _events(hazard, A.LIFT_LISTING) == 1
