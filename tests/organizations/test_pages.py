"""Browser pages: scoping (404), roles (403), forms with clear errors, both languages, local assets."""

import io
import re

import pytest

from organizations.imports import enterprise_import_run
from organizations.models import Enterprise, Membership

from ..factories import valid_credit_code
from .test_imports import good_rows, workbook

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-hans"}


def page(client, url: str, headers=EN) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_directory_pages_of_the_other_tenant_are_404(world, client, role) -> None:
    client.force_login(world.b.users[role])
    a = world.a
    for url in [
        f"/directory/enterprises/{a.enterprise.pk}/",
        f"/directory/enterprises/{a.enterprise.pk}/edit/",
        f"/directory/departments/{a.department.pk}/edit/",
        f"/directory/users/{a.officer.pk}/",
    ]:
        response = client.get(url)
        # Wrong role may be refused before the lookup: it must never be a 200.
        assert response.status_code in ({404} if role in {"committee", "admin"} else {403, 404}), url
        assert a.enterprise.name not in response.content.decode()


def test_an_enterprise_outside_the_officers_scope_is_404(world, client) -> None:
    client.force_login(world.a.officer)
    assert client.get(f"/directory/enterprises/{world.a.construction_enterprise.pk}/").status_code == 404
    assert client.get(f"/directory/enterprises/{world.a.enterprise.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "outsider"])
@pytest.mark.parametrize(
    "url",
    [
        "/directory/enterprises/new/",
        "/directory/departments/new/",
        "/directory/users/new/",
        "/directory/enterprises/import/",
    ],
)
def test_management_pages_are_403_for_roles_that_do_not_manage(world, client, role, url) -> None:
    client.force_login(world.a.users[role])
    assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client) -> None:
    for url in ["/", "/directory/enterprises/", "/directory/users/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_enterprise_list_shows_only_scope_and_searches(world, client) -> None:
    client.force_login(world.a.committee)
    html = page(client, "/directory/enterprises/")
    assert world.a.enterprise.name in html
    assert world.a.construction_enterprise.name in html
    assert world.a.other_city_enterprise.name not in html
    assert world.b.enterprise.name not in html
    html = page(client, "/directory/enterprises/?q=建设")
    assert world.a.construction_enterprise.name in html
    assert world.a.enterprise.name not in html


def test_registering_an_enterprise_with_a_mistyped_credit_code_shows_the_reason_and_saves_nothing(
    world, client
):
    client.force_login(world.a.committee)
    data = {
        "name": "表单企业有限公司",
        "credit_code": "914403001922038217",
        "region": world.a.county.pk,
        "industries": [world.a.industries["coal_mines"].pk],
        "scale": "small",
        "status": "operating",
    }
    response = client.post("/directory/enterprises/new/", data, headers=EN)
    assert response.status_code == 400
    assert "should be 6" in response.content.decode()
    assert not Enterprise.objects.filter(name="表单企业有限公司").exists()
    data["credit_code"] = valid_credit_code(4242, "210211")
    response = client.post("/directory/enterprises/new/", data)
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="表单企业有限公司", region=world.a.county).exists()


def test_committee_region_choices_are_limited_to_their_subtree(world, client) -> None:
    client.force_login(world.a.committee)
    html = page(client, "/directory/enterprises/new/")
    assert f'value="{world.a.county.pk}"' in html
    assert f'value="{world.a.other_city.pk}"' not in html
    assert f'value="{world.b.county.pk}"' not in html


def test_editing_an_enterprise_changes_it(world, client) -> None:
    client.force_login(world.a.admin)
    e = world.a.enterprise
    data = {
        "name": "改名化工有限公司",
        "credit_code": e.credit_code,
        "region": world.a.sibling_county.pk,
        "industries": [world.a.industries["hazardous_chemicals"].pk],
        "scale": "large",
        "status": "suspended",
    }
    assert client.post(f"/directory/enterprises/{e.pk}/edit/", data).status_code == 302
    e.refresh_from_db()
    assert (e.name, e.region_id, e.region_path, e.status) == (
        "改名化工有限公司",
        world.a.sibling_county.pk,
        world.a.sibling_county.path,
        "suspended",
    )


def test_department_create_and_edit(world, client) -> None:
    client.force_login(world.a.committee)
    data = {
        "name": "一市消防救援支队",
        "region": world.a.city.pk,
        "industries": [world.a.industries["fire_safety"].pk],
    }
    assert client.post("/directory/departments/new/", data).status_code == 302
    html = page(client, "/directory/departments/")
    assert "一市消防救援支队" in html


def test_user_create_grant_and_end_a_role_in_the_browser(world, client) -> None:
    client.force_login(world.a.committee)
    response = client.post(
        "/directory/users/new/", {"username": "new-officer", "password": "Long-enough-pass-9"}
    )
    assert response.status_code == 302
    user_url = response["Location"]
    match = re.search(r"/(\d+)/$", user_url)
    assert match
    user_id = int(match.group(1))
    response = client.post(
        f"/directory/users/{user_id}/grant/",
        {"role": "enterprise_officer", "enterprise": world.a.enterprise.pk},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user_id=user_id)
    assert page(client, user_url).count(world.a.enterprise.name) >= 1
    assert client.post(f"/directory/memberships/{membership.pk}/revoke/").status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False


def test_browser_import_shows_progress_then_the_report(world, client) -> None:
    client.force_login(world.a.committee)
    rows = good_rows(3)
    rows[1][1] = "bad"
    upload = io.BytesIO(workbook(rows))
    upload.name = "e.xlsx"
    response = client.post("/directory/enterprises/import/", {"file": upload})
    assert response.status_code == 302
    job_url = response["Location"]
    assert "hx-get" in page(client, job_url)  # queued: the page keeps polling
    enterprise_import_run(import_id=int(job_url.rstrip("/").split("/")[-1]))
    partial = client.get(job_url, headers={"HX-Request": "true", **EN}).content.decode()
    assert "hx-get" not in partial
    assert "Nothing was imported" in partial
    assert "credit_code" in partial


def test_import_page_refuses_a_file_that_is_not_xlsx(world, client) -> None:
    client.force_login(world.a.admin)
    upload = io.BytesIO(b"<html><script>alert(1)</script></html>")
    upload.name = "e.xlsx"
    response = client.post("/directory/enterprises/import/", {"file": upload}, headers=EN)
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()


@pytest.mark.parametrize("role", ["officer", "inspector", "committee", "admin"])
def test_landing_pages_render_in_english_and_chinese(world, client, role) -> None:
    client.force_login(world.a.users[role])
    english = page(client, "/", EN)
    chinese = page(client, "/", ZH)
    assert 'lang="en"' in english
    assert 'lang="zh-hans"' in chinese
    assert "Enterprises" in english
    assert "企业" in chinese
    assert "Enterprises" not in chinese


def test_the_language_switcher_changes_the_language(world, client) -> None:
    client.force_login(world.a.committee)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


def test_pages_load_no_asset_from_the_internet(world, client) -> None:
    client.force_login(world.a.committee)
    for url in ["/", "/directory/enterprises/", "/accounts/password/"]:
        html = page(client, url)
        assert not re.search(r'(src|href)="(https?:)?//', html), url


def test_the_layout_is_made_for_phones(world, client) -> None:
    client.force_login(world.a.officer)
    html = page(client, "/")
    assert 'name="viewport"' in html
    assert "width=device-width" in html


def test_committee_landing_page_counts_enterprises_in_scope(world, client) -> None:
    client.force_login(world.a.committee)
    html = page(client, "/").replace(" ", "").replace("\n", "")
    assert ">2<" in html  # two enterprises in the city subtree


def test_navigation_links_go_to_the_pages_not_the_api(world, client) -> None:
    client.force_login(world.a.committee)
    html = page(client, "/")
    for page_url in ["/directory/enterprises/", "/directory/departments/", "/directory/users/"]:
        assert f'href="{page_url}"' in html
    assert 'href="/api/v1/' not in html
