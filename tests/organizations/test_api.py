"""The directory API: tenancy (404), roles (403), filters, bad input (400 naming the field), query counts."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import Department, Enterprise, EnterpriseImport, Industry, Membership, Region, User
from organizations.scoping import forget_scope

from ..factories import (
    DepartmentFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    valid_credit_code,
)


def detail_urls(w) -> list[str]:
    """One detail URL per endpoint built so far, for objects of tenant world `w`."""
    membership = Membership.objects.filter(user=w.officer).get()
    return [
        f"/api/v1/regions/{w.county.pk}/",
        f"/api/v1/industries/{w.industries['coal_mines'].pk}/",
        f"/api/v1/departments/{w.department.pk}/",
        f"/api/v1/enterprises/{w.enterprise.pk}/",
        f"/api/v1/users/{w.officer.pk}/",
        f"/api/v1/memberships/{membership.pk}/",
    ]


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_every_detail_endpoint_is_404_for_every_role_of_the_other_tenant(world, api, role) -> None:
    api.as_user(world.b.users[role])
    for url in detail_urls(world.a):
        response = api.get(url)
        assert response.status_code == 404, url


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_no_list_shows_a_row_of_the_other_tenant(world, api, role) -> None:
    api.as_user(world.b.users[role])
    lists = {
        "regions": Region,
        "industries": Industry,
        "departments": Department,
        "enterprises": Enterprise,
        "users": User,
        "memberships": Membership,
        "enterprise-imports": EnterpriseImport,
    }
    for name, model in lists.items():
        response = api.get(f"/api/v1/{name}/", {"page_size": 200})
        assert response.status_code == 200, name
        seen = {row["id"] for row in response.json()["results"]}
        foreign = set(model._default_manager.filter(tenant_id=world.a.tenant.pk).values_list("pk", flat=True))
        assert not seen & foreign, name


def test_writes_on_another_tenants_objects_are_404(world, api) -> None:
    api.as_user(world.b.admin)
    assert api.patch(f"/api/v1/enterprises/{world.a.enterprise.pk}/", {"name": "x"}).status_code == 404
    assert api.patch(f"/api/v1/departments/{world.a.department.pk}/", {"name": "x"}).status_code == 404
    membership = Membership.objects.filter(user=world.a.officer).get()
    assert api.post(f"/api/v1/memberships/{membership.pk}/revoke/").status_code == 404
    world.a.enterprise.refresh_from_db()
    assert world.a.enterprise.name != "x"


def test_filtering_by_another_tenants_region_or_an_unknown_one_is_404(world, api) -> None:
    api.as_user(world.b.admin)
    assert api.get("/api/v1/enterprises/", {"region": world.a.city.pk}).status_code == 404
    assert api.get("/api/v1/departments/", {"region": 987654321}).status_code == 404
    assert api.get("/api/v1/enterprises/", {"industry": "no_such_industry"}).status_code == 404


def test_out_of_scope_enterprise_in_the_same_tenant_is_404(world, api) -> None:
    api.as_user(world.a.officer)
    assert api.get(f"/api/v1/enterprises/{world.a.construction_enterprise.pk}/").status_code == 404
    api.as_user(world.a.outsider)
    assert api.get(f"/api/v1/enterprises/{world.a.enterprise.pk}/").status_code == 404


def test_enterprise_filters_by_region_subtree_industry_credit_code_and_text(world, api) -> None:
    w = world.a
    api.as_user(w.admin)

    def names(**params) -> set[str]:
        response = api.get("/api/v1/enterprises/", params)
        assert response.status_code == 200
        return {row["name"] for row in response.json()["results"]}

    assert names(region=w.city.pk) == {w.enterprise.name, w.construction_enterprise.name}
    assert names(region=w.county.pk) == {w.enterprise.name}
    assert names(industry="hazardous_chemicals") == {w.enterprise.name, w.other_city_enterprise.name}
    assert names(industry=w.industries["construction"].pk) == {w.construction_enterprise.name}
    assert names(credit_code=w.enterprise.credit_code.lower()) == {w.enterprise.name}
    assert names(q="建设") == {w.construction_enterprise.name}


def test_departments_filter_by_region_and_industry(world, api) -> None:
    w = world.a
    api.as_user(w.officer)
    response = api.get("/api/v1/departments/", {"region": w.province.pk, "industry": "construction"})
    assert [row["name"] for row in response.json()["results"]] == [w.construction_department.name]
    assert response.json()["results"][0]["industries"] == ["construction"]


def test_regions_filter_by_code(world, api) -> None:
    api.as_user(world.a.inspector)
    response = api.get("/api/v1/regions/", {"code": "210211"})
    assert [(row["code"], row["path"]) for row in response.json()["results"]] == [
        ("210211", "210000/210200/210211/")
    ]


def enterprise_payload(w, **overrides):
    payload = {
        "name": "新建化工有限公司",
        "credit_code": valid_credit_code(777, w.county.code),
        "region": w.county.pk,
        "industries": [w.industries["hazardous_chemicals"].pk],
        "address": "新路1号",
        "scale": "medium",
    }
    payload.update(overrides)
    return payload


def test_committee_staff_register_an_enterprise_in_their_region(world, api) -> None:
    api.as_user(world.a.committee)
    response = api.post("/api/v1/enterprises/", enterprise_payload(world.a), format="json")
    assert response.status_code == 201, response.json()
    enterprise = Enterprise.objects.get(pk=response.json()["id"])
    assert enterprise.region_path == world.a.county.path
    assert response.json()["industries"] == ["hazardous_chemicals"]


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "outsider"])
def test_roles_that_do_not_manage_the_directory_get_403(world, api, role) -> None:
    api.as_user(world.a.users[role])
    before = Enterprise.objects.count()
    assert api.post("/api/v1/enterprises/", enterprise_payload(world.a), format="json").status_code == 403
    assert Enterprise.objects.count() == before


def test_a_bad_credit_code_is_a_400_that_names_the_field_and_the_right_check_character(world, api) -> None:
    api.as_user(world.a.admin)
    before = Enterprise.objects.count()
    response = api.post(
        "/api/v1/enterprises/", enterprise_payload(world.a, credit_code="914403001922038217"), format="json"
    )
    assert response.status_code == 400
    assert "should be 6" in response.json()["credit_code"][0]
    assert Enterprise.objects.count() == before


def test_a_duplicate_credit_code_is_refused(world, api) -> None:
    api.as_user(world.a.admin)
    response = api.post(
        "/api/v1/enterprises/",
        enterprise_payload(world.a, credit_code=world.a.enterprise.credit_code),
        format="json",
    )
    assert response.status_code == 400
    assert "already registered" in response.json()["credit_code"][0]


def test_a_region_of_another_tenant_in_a_write_is_refused_as_unknown(world, api) -> None:
    api.as_user(world.a.admin)
    response = api.post(
        "/api/v1/enterprises/", enterprise_payload(world.a, region=world.b.county.pk), format="json"
    )
    assert response.status_code == 400
    assert "region" in response.json()
    assert not Enterprise.objects.filter(name="新建化工有限公司").exists()


def test_committee_staff_cannot_register_outside_their_region(world, api) -> None:
    api.as_user(world.a.committee)
    response = api.post(
        "/api/v1/enterprises/", enterprise_payload(world.a, region=world.a.other_city.pk), format="json"
    )
    assert response.status_code == 400
    assert "outside the regions you manage" in response.json()["region"][0]


def test_a_bad_region_code_is_a_400_naming_the_code(world, api) -> None:
    api.as_user(world.a.admin)
    response = api.post(
        "/api/v1/regions/", {"code": "21021", "name": "x", "parent": world.a.city.pk}, format="json"
    )
    assert response.status_code == 400
    assert "6 digits" in response.json()["code"][0]
    response = api.post(
        "/api/v1/regions/", {"code": "140105", "name": "x", "parent": world.a.city.pk}, format="json"
    )
    assert response.status_code == 400
    assert "cannot sit under" in response.json()["code"][0]


def test_tenant_admin_adds_a_county(world, api) -> None:
    api.as_user(world.a.admin)
    response = api.post(
        "/api/v1/regions/", {"code": "210204", "name": "沙河口区", "parent": world.a.city.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["path"] == "210000/210200/210204/"
    api.as_user(world.a.committee)
    assert (
        api.post(
            "/api/v1/regions/", {"code": "210212", "name": "x", "parent": world.a.city.pk}, format="json"
        ).status_code
        == 403
    )


def test_membership_grant_and_revoke_keep_the_record(world, api) -> None:
    w = world.a
    api.as_user(w.committee)
    created = api.post(
        "/api/v1/users/", {"username": "new-inspector", "password": "Long-enough-pass-9"}, format="json"
    )
    assert created.status_code == 201
    grant = api.post(
        "/api/v1/memberships/",
        {"user": created.json()["id"], "role": "inspector", "department": w.department.pk},
        format="json",
    )
    assert grant.status_code == 201, grant.json()
    assert grant.json()["unit_type"] == "department"
    revoked = api.post(f"/api/v1/memberships/{grant.json()['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert Membership.objects.filter(pk=grant.json()["id"]).exists()


def test_a_role_on_the_wrong_kind_of_unit_is_refused(admins, api) -> None:
    world = admins
    api.as_user(world.a.users["security"])
    response = api.post(
        "/api/v1/memberships/",
        {"user": world.a.officer.pk, "role": "inspector", "enterprise": world.a.enterprise.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "unit" in response.json()


def test_committee_staff_cannot_make_a_tenant_admin(world, api) -> None:
    api.as_user(world.a.committee)
    response = api.post(
        "/api/v1/memberships/", {"user": world.a.officer.pk, "role": "tenant_admin"}, format="json"
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=world.a.officer, role="tenant_admin").exists()


def test_there_is_no_way_to_delete_directory_entries(world, api) -> None:
    api.as_user(world.a.admin)
    for url in [
        f"/api/v1/enterprises/{world.a.enterprise.pk}/",
        f"/api/v1/departments/{world.a.department.pk}/",
        f"/api/v1/users/{world.a.officer.pk}/",
    ]:
        assert api.delete(url).status_code == 405
    assert Enterprise.objects.filter(pk=world.a.enterprise.pk).exists()


def test_expert_grant_makes_the_enterprise_visible_to_the_expert(world, api) -> None:
    expert = User.objects.create_user(username="expert-li", password="x", tenant=world.a.tenant)
    api.as_user(world.a.committee)
    assert (
        api.post(
            f"/api/v1/enterprises/{world.a.construction_enterprise.pk}/grant-expert/",
            {"user": expert.pk},
            format="json",
        ).status_code
        == 204
    )
    api.as_user(User.objects.get(pk=expert.pk))
    response = api.get("/api/v1/enterprises/")
    assert [row["name"] for row in response.json()["results"]] == [world.a.construction_enterprise.name]


def test_enterprise_list_query_count_does_not_grow_with_rows(world, api) -> None:
    w = world.a
    api.as_user(w.admin)

    def count_queries() -> int:
        forget_scope(w.admin)
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/enterprises/", {"page_size": 100}).status_code == 200
        return len(queries)

    few = count_queries()
    for _ in range(15):
        EnterpriseFactory(
            region=w.county, industries=[w.industries["coal_mines"], w.industries["construction"]]
        )
    assert count_queries() == few


@pytest.mark.parametrize("url", ["/api/v1/departments/", "/api/v1/memberships/", "/api/v1/users/"])
def test_other_list_query_counts_are_fixed(world, api, url) -> None:
    api.as_user(world.a.admin)
    api.get(url, {"page_size": 100})  # warm the caller's scope
    with CaptureQueriesContext(connection) as before:
        api.get(url, {"page_size": 100})
    for index in range(8):
        department = DepartmentFactory(region=world.a.county, industries=[world.a.industries["coal_mines"]])
        MembershipFactory(user=UserFactory(tenant=world.a.tenant), role="inspector", department=department)
        del index
    with CaptureQueriesContext(connection) as after:
        api.get(url, {"page_size": 100})
    assert len(after) == len(before)


def test_openapi_schema_lists_the_directory_endpoints(world, api) -> None:
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/regions/",
        "/api/v1/departments/",
        "/api/v1/enterprises/",
        "/api/v1/industries/",
        "/api/v1/enterprises/import/",
    ]:
        assert path in paths


def test_api_docs_load_their_assets_from_this_server(client) -> None:
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_errors_come_in_the_callers_language(world, api) -> None:
    api.as_user(world.a.admin)
    payload = enterprise_payload(world.a, credit_code="914403001922038217")
    chinese = api.post("/api/v1/enterprises/", payload, format="json", headers={"Accept-Language": "zh-hans"})
    assert "校验码应为 6" in chinese.json()["credit_code"][0]
    english = api.post("/api/v1/enterprises/", payload, format="json")
    assert "should be 6" in english.json()["credit_code"][0]


def test_the_openapi_schema_is_valid_and_generates_without_warnings(db) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_models_and_migrations_agree(db) -> None:
    """No model change without its migration, and none that makemigrations would invent again on every run."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
