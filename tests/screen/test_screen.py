"""The committee's big screen: its numbers are the ledger's, its map is the tenant's cities, another tenant's
data never appears, a second look costs the database nothing, and only committee staff and the system
administrator see it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.services import campaign_create
from core.rls import tenant_context
from disclosure.models import Publication
from disclosure.services import publication_build_month, publication_publish
from hazards.choices import OPEN_STATES, HazardLevel, HazardState
from hazards.models import Hazard
from hazards.services import hazard_confirm, hazard_report
from hazards.services.listings import hazard_list_supervision
from screen.api import ScreenSerializer
from screen.selectors import screen_for

EN = {"Accept-Language": "en"}
# Tables the screen's numbers are read from: none of them may be asked on a cached request.
SCREEN_TABLES = tuple(
    f'"{table}"'  # as Django quotes them (the per-request scope read names regions unquoted, in a join)
    for table in (
        "hazards_hazard",
        "campaigns_campaign",
        "campaigns_stage",
        "disclosure_publication",
        "organizations_region",
        "organizations_industry",
    )
)


def _major_in_b(world: Any, criterion: Any) -> Hazard:
    b = world.b
    hazard = hazard_report(
        actor=b.officer,
        enterprise=b.enterprise,
        title="乙方储罐",
        description="乙方重大危险源",
        location="乙区",
        category="equipment",
    )
    return hazard_confirm(actor=b.inspector, hazard=hazard, level="major", criterion=criterion)


@pytest.fixture
def filled(world: Any, ledger: Any) -> dict[str, Any]:
    """Tenant A: open majors in the city, a general one closed this month, an overdue one, a listed one, a
    withdrawn one; tenant B: three majors of its own (which A's screen must never count)."""
    now = timezone.now()
    majors = [ledger.handed_over() for _ in range(3)]
    closed = ledger.confirmed("general")
    Hazard.objects.filter(pk=closed.pk).update(state=HazardState.CLOSED, closed_at=now)
    Hazard.objects.filter(pk=majors[0].pk).update(is_overdue=True)
    majors[1] = hazard_list_supervision(
        actor=world.a.committee,
        hazard=majors[1],
        level="municipal",
        document_number="一安委〔2026〕3号",
        deadline=timezone.localdate() + dt.timedelta(days=30),
    )
    withdrawn = ledger.reported()
    Hazard.objects.filter(pk=withdrawn.pk).update(state=HazardState.WITHDRAWN)
    # Found last year: counted as open, not as found this month.
    old = ledger.confirmed("major")
    Hazard.objects.filter(pk=old.pk).update(discovered_at=now - dt.timedelta(days=400))
    for _ in range(3):
        _major_in_b(world, ledger.criterion)
    return {"majors": majors, "closed": closed}


FILLED_NUMBERS = {
    "found": 4,  # three majors and the closed general one; not the withdrawn one nor last year's
    "found_major": 3,
    "closed": 1,
    "overdue": 1,
    "open": 4,
    "major_open": 4,
    "listed": 1,
}


def _ledger_numbers(tenant_id: int, path: str) -> dict[str, int]:
    """The same numbers counted straight from the ledger, as a clerk would filter it."""
    today = timezone.localdate()
    rows = Hazard.objects.filter(tenant_id=tenant_id, region_path__startswith=path)
    this_month = {"discovered_at__year": today.year, "discovered_at__month": today.month}
    open_rows = rows.filter(state__in=OPEN_STATES)
    return {
        "found": rows.filter(**this_month).exclude(state=HazardState.WITHDRAWN).count(),
        "found_major": rows.filter(**this_month, level=HazardLevel.MAJOR)
        .exclude(state=HazardState.WITHDRAWN)
        .count(),
        "closed": rows.filter(
            state=HazardState.CLOSED, closed_at__year=today.year, closed_at__month=today.month
        ).count(),
        "overdue": open_rows.filter(is_overdue=True).count(),
        "open": open_rows.count(),
        "major_open": open_rows.filter(level=HazardLevel.MAJOR).count(),
        "listed": open_rows.filter(listed=True, listing_lifted_at__isnull=True).count(),
    }


def test_the_numbers_are_the_ledgers_for_the_whole_tenant_and_for_a_city(world, filled) -> None:
    a = world.a
    whole = screen_for(actor=a.admin)
    assert whole["region"]["code"] == a.province.code
    assert whole["numbers"] == _ledger_numbers(a.tenant.pk, a.province.path)
    assert whole["numbers"] == FILLED_NUMBERS
    city = screen_for(actor=a.committee)
    assert city["region"]["code"] == a.city.code
    assert city["numbers"] == _ledger_numbers(a.tenant.pk, a.city.path)


def test_the_sub_regions_and_the_map_carry_the_major_hazards_of_the_tenants_cities(world, filled) -> None:
    a = world.a
    data = screen_for(actor=a.admin)
    regions = {row["code"]: row["major_open"] for row in data["sub_regions"]}
    assert regions == {a.other_city.code: 0, a.city.code: 4}
    # The map: the vendored province's cities that the tenant has (not all fourteen of Liaoning's).
    assert data["map"]["province"] == a.province.code
    cities = {city["code"]: city for city in data["map"]["cities"]}
    assert set(cities) == {a.city.code, a.other_city.code}
    assert cities[a.city.code]["major_open"] == 4 and cities[a.city.code]["heat"] == 4
    assert cities[a.other_city.code]["major_open"] == 0 and cities[a.other_city.code]["heat"] == 0
    assert cities[a.city.code]["overdue"] == 1


def test_a_city_screen_names_the_other_cities_on_the_map_without_their_numbers(world, filled, client) -> None:
    a = world.a
    data = screen_for(actor=a.committee)
    cities = {city["code"]: city for city in data["map"]["cities"]}
    assert cities[a.city.code]["in_scope"] and cities[a.city.code]["major_open"] == 4
    assert not cities[a.other_city.code]["in_scope"] and "major_open" not in cities[a.other_city.code]
    # Its table goes down to the city's districts.
    assert {row["code"] for row in data["sub_regions"]} == {a.county.code, a.sibling_county.code}

    client.force_login(a.committee)
    page = client.get("/screen/", headers=EN).content.decode()
    assert f'data-city="{a.city.code}"' in page and f'data-count="{a.city.code}"' in page
    assert f'data-count="{a.other_city.code}"' not in page
    assert 'class="city city-none" data-city="210300"' in page  # Anshan: drawn, not the tenant's


def test_key_industries_listed_hazards_campaign_and_disclosures(world, filled) -> None:
    a = world.a
    today = timezone.localdate()
    campaign_create(
        actor=a.committee,
        region=a.city,
        name="一市专项整治",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=20),
        industries=[a.industries["hazardous_chemicals"]],
        status="active",
    )
    month = today.replace(day=1)
    publication_build_month(tenant=a.tenant, month=month)
    publication_publish(
        actor=a.committee, publication=Publication.objects.get(tenant=a.tenant, region=a.city, month=month)
    )

    data = screen_for(actor=a.admin)
    chemicals = next(row for row in data["industries"] if row["code"] == "hazardous_chemicals")
    assert data["industries"][0] == chemicals  # the busiest first
    assert (chemicals["open"], chemicals["major_open"], chemicals["overdue"]) == (4, 4, 1)
    assert [row["code"] for row in data["listed"]["rows"]] == [filled["majors"][1].code]
    assert {level["level"]: level["count"] for level in data["listed"]["by_level"]}["municipal"] == 1
    # The province runs no campaign: the city's is shown, with its countdown.
    assert data["campaign"]["name"] == "一市专项整治" and data["campaign"]["days_left"] == 20
    assert data["campaign"]["stage"] is not None and data["campaign"]["stage"]["days_left"] >= 0
    assert [(d["month"], d["region"]) for d in data["disclosures"]] == [(month.strftime("%Y-%m"), "City One")]
    # What the API answers is what its schema says (the serializer the schema is generated from).
    shape = ScreenSerializer(data=data)
    assert shape.is_valid(), shape.errors


def test_another_tenants_data_never_appears(world, filled, client) -> None:
    a, b = world.a, world.b
    mine = screen_for(actor=a.admin)
    theirs = screen_for(actor=b.admin)
    assert theirs["region"]["code"] == b.province.code
    assert theirs["numbers"]["major_open"] == 3 == _ledger_numbers(b.tenant.pk, b.province.path)["major_open"]
    assert mine["numbers"]["major_open"] == 4
    assert {city["code"] for city in theirs["map"]["cities"]} == {b.city.code, b.other_city.code}
    # Tenant A's screen is cached under A: B asking for A's province code finds no such region of its own.
    client.force_login(b.admin)
    assert client.get(f"/screen/?region={a.province.code}", headers=EN).status_code == 404
    assert client.get(f"/api/v1/screen/?region={a.city.code}", headers=EN).status_code == 404
    listed = filled["majors"][1]
    assert listed.code in str(api_a := screen_for(actor=a.admin)["listed"]) and api_a
    theirs_json = client.get("/api/v1/screen/", headers=EN).content.decode()
    page = client.get("/screen/", headers=EN).content.decode()
    for shown in (theirs_json, page):
        assert listed.code not in shown and a.enterprise.name not in shown


def test_a_second_look_is_served_from_the_cache_without_a_query(
    world, ledger, filled, client, django_assert_num_queries
) -> None:
    a = world.a
    first = screen_for(actor=a.committee)
    with django_assert_num_queries(0):
        again = screen_for(actor=a.committee)
    assert again == first
    # New rows do not show until the cache expires: the wall costs the database nothing meanwhile.
    ledger.handed_over()
    assert screen_for(actor=a.committee)["numbers"] == first["numbers"]

    client.force_login(a.committee)
    for url in ("/screen/", "/api/v1/screen/"):
        assert client.get(url, headers=EN).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=EN)
        assert response.status_code == 200
        asked = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in SCREEN_TABLES)]
        assert asked == []


def test_a_screen_is_computed_in_a_few_queries_whatever_the_ledgers_size(
    world, filled, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(14):
        screen_for(actor=world.a.admin)


def test_as_production_runs_it_under_row_level_security(world, filled, app_role_connection, client) -> None:
    a = world.a
    with tenant_context(a.tenant):  # as the app role, a user row is read (last_login written) in its tenant
        client.force_login(a.admin)
        counted = _ledger_numbers(a.tenant.pk, a.province.path)
    data = client.get("/api/v1/screen/", headers=EN).json()
    assert data["numbers"] == counted == FILLED_NUMBERS
    assert {city["code"] for city in data["map"]["cities"]} == {a.city.code, a.other_city.code}
    page = client.get("/screen/", headers=EN)
    assert page.status_code == 200 and f'data-count="{a.city.code}"' in page.content.decode()


def test_a_stale_screen_is_computed_again(world, filled, settings) -> None:
    a = world.a
    settings.SCREEN_CACHE_SECONDS = 5
    before = screen_for(actor=a.admin)["numbers"]["major_open"]
    Hazard.objects.filter(pk=filled["majors"][2].pk).update(
        state=HazardState.CLOSED, closed_at=timezone.now()
    )
    key = f"screen:{a.tenant.pk}:{a.province.code}:en"
    entry = cache.get(key)
    cache.set(key, {**entry, "fresh_until": 0}, timeout=60)  # as if its time had passed
    assert screen_for(actor=a.admin)["numbers"]["major_open"] == before - 1


@pytest.mark.parametrize("who", ["officer", "head", "inspector", "outsider", "security", "auditor"])
def test_other_roles_get_403(world, admins, client, api, who) -> None:
    user = world.a.users[who]
    client.force_login(user)
    assert client.get("/screen/", headers=EN).status_code == 403
    assert api.as_user(user).get("/api/v1/screen/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, api, world) -> None:
    response = client.get("/screen/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert api.get("/api/v1/screen/").status_code in (401, 403)


def test_committee_staff_see_their_regions_and_below_the_admin_the_whole_tenant(world, client, api) -> None:
    a = world.a
    for code in (a.province.code, a.other_city.code):
        screen_for(actor=a.admin, region_code=code)  # cached: the cache is no way round the check
    client.force_login(a.committee)
    page = client.get("/screen/", headers=EN)
    assert page.status_code == 200 and 'class="screen-grid"' in page.content.decode()
    assert client.get(f"/screen/?region={a.county.code}", headers=EN).status_code == 200
    for above_or_beside in (a.province.code, a.other_city.code):
        assert client.get(f"/screen/?region={above_or_beside}", headers=EN).status_code == 404
        assert api.as_user(a.committee).get(f"/api/v1/screen/?region={above_or_beside}").status_code == 404
    assert client.get("/screen/?region=abc", headers=EN).status_code == 404
    bad = api.as_user(a.committee).get("/api/v1/screen/?region=abc")
    assert bad.status_code == 400 and "region" in bad.json()

    for code in (a.province.code, a.other_city.code, a.county.code):
        assert api.as_user(a.admin).get(f"/api/v1/screen/?region={code}").status_code == 200


def test_the_page_speaks_chinese(world, client) -> None:
    client.force_login(world.a.committee)
    page = client.get("/screen/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert '<html lang="zh-hans"' in page and "一市" in page
