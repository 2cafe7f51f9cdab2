"""The public site: only published snapshots, no enumeration, redaction in every format, caching, tip-offs."""

import csv
import hashlib
import io
import json
import re

import pytest
from django.utils import timezone

from disclosure import public_views
from disclosure.models import Publication, TipOff
from disclosure.services import (
    invalidate_public_pages,
    publication_build_month,
    publication_correct,
    publication_publish,
)
from tests.disclosure.test_public_site import _page_keys

EN = {"Accept-Language": "en"}


@pytest.fixture
def published(world, ledger):
    w = world.a
    w.officer.full_name, w.officer.phone = "孙志强", "13800000007"
    w.officer.save()
    w.inspector.full_name = "陈建国"
    w.inspector.save()
    major = ledger.handed_over()
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    return {"hazard": major, "publication": publication_publish(actor=w.committee, publication=draft)}


def test_anonymous_visitors_read_the_published_month_in_every_format(client, published) -> None:
    item, hazard = published["publication"], published["hazard"]
    index = client.get("/public/alpha/", headers=EN).content.decode()
    assert f"/public/alpha/p/{item.public_id}/" in index
    page = client.get(f"/public/alpha/p/{item.public_id}/", headers=EN).content.decode()
    assert hazard.code in page and hazard.enterprise.name in page
    assert item.sha256 in page
    pdf = client.get(f"/public/alpha/p/{item.public_id}.pdf").content
    assert hashlib.sha256(pdf).hexdigest() == item.sha256
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/public/alpha/p/{item.public_id}.csv").content.decode().lstrip("\ufeff"))
        )
    )
    assert [row["code"] for row in rows] == [hazard.code]
    document = json.loads(client.get(f"/public/alpha/p/{item.public_id}.json").content)
    assert document["pdf_sha256"] == item.sha256
    feed = client.get("/public/alpha/feed.atom").content.decode()
    assert "<feed" in feed and item.public_id in feed
    enterprise = client.get(f"/public/alpha/enterprises/{hazard.enterprise.credit_code}/", headers=EN)
    assert enterprise.status_code == 200 and hazard.code in enterprise.content.decode()


def test_no_name_phone_or_description_leaves_in_any_format(client, published) -> None:
    item = published["publication"]
    typed = ["一级重大危险源储罐未设置紧急切断装置", "储罐区未设紧急切断"]  # description, title
    secrets = ["孙志强", "13800000007", "陈建国", "alpha-officer", *typed]
    bodies = [
        client.get(url).content.decode("utf-8", "ignore")
        for url in (
            "/public/alpha/",
            f"/public/alpha/p/{item.public_id}/",
            f"/public/alpha/p/{item.public_id}.csv",
            f"/public/alpha/p/{item.public_id}.json",
            "/public/alpha/feed.atom",
        )
    ]
    for body in bodies:
        for secret in secrets:
            assert secret not in body


def test_unpublished_hazards_and_drafts_cannot_be_found_or_enumerated(
    world, client, ledger, published
) -> None:
    hidden = ledger.confirmed("general")
    next_month = Publication.objects.create(
        tenant=world.a.tenant,
        region=world.a.city,
        region_path=world.a.city.path,
        month=published["publication"].month.replace(year=published["publication"].month.year + 1),
        content={"major_hazards": []},
    )
    assert client.get(f"/public/alpha/p/{next_month.public_id}/").status_code == 404  # a draft
    assert client.get(f"/public/alpha/p/{published['publication'].pk}/").status_code == 404  # database id
    assert (
        client.get(f"/public/alpha/enterprises/{world.a.construction_enterprise.credit_code}/").status_code
        == 404
    )
    assert (
        hidden.code
        not in client.get(f"/public/alpha/p/{published['publication'].public_id}/").content.decode()
    )
    assert (
        client.get(f"/public/beta/p/{published['publication'].public_id}/").status_code == 404
    )  # other tenant
    assert client.get("/public/nowhere/").status_code == 404


def test_search_and_filters_on_the_publication_page(client, published) -> None:
    item, hazard = published["publication"], published["hazard"]
    url = f"/public/alpha/p/{item.public_id}/"
    assert hazard.code in client.get(url, {"q": hazard.enterprise.name[:3]}).content.decode()
    assert hazard.code not in client.get(url, {"q": "不存在的企业"}).content.decode()
    assert hazard.code not in client.get(url, {"state": "closed"}).content.decode()


@pytest.fixture
def long_month(world, published, monkeypatch):
    """A published month of five major hazards, two to a page: pages 1 and 2 full, page 3 with one."""
    monkeypatch.setattr(public_views, "PUBLIC_PAGE_ROWS", 2)
    invalidate_public_pages(world.a.tenant.pk)
    content = published["publication"].content
    row = content["major_hazards"][0]
    rows = [{**row, "code": f"ZH-PAGE-{number}", "public_id": f"pg{number}"} for number in range(1, 6)]
    rows[4]["state"] = "closed"
    today = timezone.localdate()
    return Publication.objects.create(
        tenant=world.a.tenant,
        region=world.a.city,
        region_path=world.a.city.path,
        status="published",
        month=today.replace(day=1, year=today.year + 3),
        content={**content, "major_hazards": rows},
    )


def _codes(body: str) -> list[str]:
    return re.findall(r"ZH-PAGE-\d", body)


def test_a_long_publication_is_read_page_by_page_its_filters_and_language_kept(client, long_month) -> None:
    url = f"/public/alpha/p/{long_month.public_id}/"
    pages = [client.get(url, {"page": number}).content.decode() for number in (1, 2, 3)]
    assert [_codes(body) for body in pages] == [
        ["ZH-PAGE-1", "ZH-PAGE-2"],
        ["ZH-PAGE-3", "ZH-PAGE-4"],
        ["ZH-PAGE-5"],
    ]
    first, middle, last = pages
    assert f'href="{url}?page=2" rel="next"' in first and f'href="{url}?page=3"' in first  # next, last
    assert f'href="{url}" rel="prev"' in middle and f'href="{url}?page=3" rel="next"' in middle
    assert f'href="{url}?page=2" rel="prev"' in last and f'href="{url}">' in last  # previous, first
    # The first page is the page without a number; a number that is not one is the first page.
    for same in ("", "?page=1", "?page=0", "?page=-2", "?page=x"):
        assert client.get(url + same).content.decode() == first
    # Past the last page (a bookmark of a longer version): to the last, with the filters and language kept.
    assert client.get(url, {"page": 9}).url == f"{url}?page=3"
    assert client.get(url, {"page": 9, "lang": "en", "state": "CLOSED"}).url == f"{url}?lang=en&state=closed"
    # A filter pages what matches; the links keep it and the language, the switch keeps the page.
    english = client.get(url, {"lang": "en", "state": "handed_over", "page": 2}).content.decode()
    assert _codes(english) == ["ZH-PAGE-3", "ZH-PAGE-4"]
    assert "Rows 3\u20134 of 4" in english and "4 of 5 major hazards match." in english
    assert f'href="{url}?lang=en&amp;state=handed_over" rel="prev"' in english
    assert f'href="{url}?state=handed_over&amp;page=2" lang="zh-hans"' in english


def test_each_page_of_a_publication_is_cached_and_no_made_up_number_adds_an_entry(
    world, client, long_month
) -> None:
    url = f"/public/alpha/p/{long_month.public_id}/"
    for asked in ("", "?page=2", "?page=3", "?page=4", "?page=999999", "?page=9999999", "?page=abc"):
        client.get(url + asked)
    keys = {key for key in _page_keys("alpha") if long_month.public_id in key}
    assert keys == {f"public:alpha:zh-hans:{url}{page}" for page in ("", "?page=2", "?page=3")}


def test_a_correction_supersedes_and_both_stay_readable(world, client, published) -> None:
    old = published["publication"]
    new = publication_correct(actor=world.a.committee, publication=old, reason="更正整改时限")
    page = client.get(f"/public/alpha/p/{old.public_id}/", headers=EN).content.decode()
    assert f"/public/alpha/p/{new.public_id}/" in page
    assert "更正整改时限" in client.get(f"/public/alpha/p/{new.public_id}/").content.decode()


def test_public_pages_are_cached_and_publishing_refreshes_them(
    world, client, published, django_capture_on_commit_callbacks
) -> None:
    client.get("/public/alpha/")
    today = timezone.localdate()
    sneaked = Publication.objects.create(  # written behind the cache's back: the cached page does not show it
        tenant=world.a.tenant,
        region=world.a.city,
        region_path=world.a.city.path,
        status="published",
        month=today.replace(day=1, year=today.year + 2),
        content=published["publication"].content,
    )
    assert sneaked.public_id.encode() not in client.get("/public/alpha/").content
    invalidate_public_pages(world.a.tenant.pk)
    assert sneaked.public_id.encode() in client.get("/public/alpha/").content
    draft = Publication.objects.create(
        tenant=world.a.tenant,
        region=world.a.city,
        region_path=world.a.city.path,
        month=today.replace(day=1, year=today.year + 1),
        content=published["publication"].content,
    )
    with django_capture_on_commit_callbacks(execute=True):  # publishing clears the tenant's cached pages
        with_new = publication_publish(actor=world.a.committee, publication=draft)
    assert with_new.public_id.encode() in client.get("/public/alpha/").content


def test_a_cached_public_page_costs_no_query(client, published, django_assert_num_queries) -> None:
    """The public site carries the most traffic: a cached page is served without a tenant transaction."""
    url = f"/public/alpha/p/{published['publication'].public_id}/"
    for path in ("/public/alpha/", url):
        first = client.get(path)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            again = client.get(path)
        assert again.content == first.content


def test_public_pages_speak_both_languages(client, published) -> None:
    """By the `lang` parameter of the URL: what the visitor's browser prefers does not change the page."""
    item = published["publication"]
    english = client.get(f"/public/alpha/p/{item.public_id}/", {"lang": "en"}, headers=EN).content.decode()
    assert '<html lang="en">' in english and "Major hazards" in english
    chinese = client.get(f"/public/alpha/p/{item.public_id}/", headers=EN).content.decode()
    assert '<html lang="zh-hans">' in chinese and "重大" in chinese


def test_tip_off_flow_with_a_tracking_code_and_no_identity_on_the_status_page(world, client, api) -> None:
    response = client.post(
        "/public/alpha/tip-off/",
        {
            "region": world.a.county.pk,
            "enterprise_name": "某化工厂",
            "description": "夜间偷偷动火作业，没有人监护",
            "contact": "匿名群众 13911112222",
        },
    )
    assert response.status_code == 302
    status_url = response["Location"]
    tip = TipOff.objects.get()
    assert tip.tracking_code in status_url and tip.region == world.a.county
    page = client.get(status_url).content.decode()
    assert "13911112222" not in page and "匿名群众" not in page
    api.as_user(world.a.committee)
    listed = api.get("/api/v1/tip-offs/").json()["results"]
    assert listed[0]["contact"] == "匿名群众 13911112222"  # staff see the contact
    assert api.post(f"/api/v1/tip-offs/{tip.pk}/dismiss/", {}, format="json").status_code == 400
    done = api.post(f"/api/v1/tip-offs/{tip.pk}/lead/", {"public_note": "已转执法检查"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "lead"
    assert "已转执法检查" in client.get(status_url).content.decode()
    api.as_user(world.b.committee)
    assert api.get(f"/api/v1/tip-offs/{tip.pk}/").status_code == 404
    api.as_user(world.a.outsider)
    assert api.get(f"/api/v1/tip-offs/{tip.pk}/").status_code == 404


def test_tip_offs_are_rate_limited_per_address(world, client, settings) -> None:
    settings.TIPOFF_LIMIT = 2
    data = {"region": world.a.county.pk, "description": "消防通道被货物堵塞，无法通行"}
    statuses = [client.post("/public/alpha/tip-off/", data).status_code for _ in range(4)]
    assert statuses[:2] == [302, 302] and statuses[2:] == [429, 429]
    assert TipOff.objects.count() == 2


def test_tip_off_bad_input_names_the_field_and_saves_nothing(world, client) -> None:
    response = client.post(
        "/public/alpha/tip-off/", {"region": world.b.county.pk, "description": "短"}, headers=EN
    )
    assert response.status_code == 400
    assert not TipOff.objects.exists()


def test_publication_api_publishes_and_corrects_for_committee_only(world, api, ledger) -> None:
    ledger.confirmed()
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=world.a.tenant, month=month)
    api.as_user(world.a.committee)
    listed = api.get("/api/v1/publications/", {"month": month.strftime("%Y-%m")}).json()["results"]
    assert len(listed) == 1 and listed[0]["status"] == "draft"
    item_id = listed[0]["id"]
    api.as_user(world.b.committee)
    assert api.post(f"/api/v1/publications/{item_id}/publish/").status_code == 404
    api.as_user(world.a.inspector)
    assert api.get(f"/api/v1/publications/{item_id}/").status_code == 404
    api.as_user(world.a.committee)
    published = api.post(f"/api/v1/publications/{item_id}/publish/").json()
    assert published["status"] == "published" and len(published["sha256"]) == 64
    assert api.post(f"/api/v1/publications/{item_id}/publish/").status_code == 409
    assert (
        api.post(f"/api/v1/publications/{item_id}/correct/", {"reason": ""}, format="json").status_code == 400
    )
    corrected = api.post(f"/api/v1/publications/{item_id}/correct/", {"reason": "更正"}, format="json").json()
    assert corrected["version"] == 2 and corrected["correction_of"] == item_id
