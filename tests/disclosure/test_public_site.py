"""The public site depends on nothing but its URL: a user of another tenant, a user of the same tenant and an
anonymous visitor get the same bytes for every page under /public/<tenant>/, whoever fills the cache first,
and no request adds cache entries of its own making.

Served as production is: the server's database connection is the row-level-security role
(`app_role_connection`), so a page built in the wrong tenant's transaction would come out empty.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.rls import tenant_context
from disclosure import public_cache
from disclosure.models import Publication, TipOff
from disclosure.services import publication_build_month, publication_correct, publication_publish
from disclosure.tipoffs import tipoff_file

pytestmark = pytest.mark.django_db(transaction=True)

# The headers a shared cache or a browser would key on or keep: they must be the same for everyone too.
COMPARED_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Vary", "Cache-Control")


@pytest.fixture
def site(world: Any, ledger: Any) -> dict[str, Any]:
    """Alpha's month published and then corrected (so a superseded version exists), and a tip-off."""
    w = world.a
    hazard = ledger.handed_over()
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    first = publication_publish(actor=w.committee, publication=draft)
    current = publication_correct(actor=w.committee, publication=first, reason="更正整改时限")
    tip = tipoff_file(
        tenant=w.tenant, region=w.county, description="夜间偷偷动火作业，无人监护", client_address="192.0.2.9"
    )
    return {"hazard": hazard, "first": first, "current": current, "tip": tip}


@pytest.fixture
def visitors(world: Any) -> dict[str, Client]:
    """Signed in as another tenant's committee, as this tenant's committee, and nobody."""
    other, same = Client(), Client()
    other.force_login(world.b.committee)
    same.force_login(world.a.committee)
    return {"other tenant": other, "same tenant": same, "anonymous": Client()}


def _urls(site: dict[str, Any]) -> list[str]:
    current, first, hazard = site["current"], site["first"], site["hazard"]
    page = f"/public/alpha/p/{current.public_id}/"
    return [
        "/public/alpha/",
        "/public/alpha/?lang=en",
        page,
        f"{page}?lang=en",
        f"{page}?q={hazard.enterprise.name[:3]}",
        f"{page}?state=handed_over&lang=en",
        f"/public/alpha/p/{first.public_id}/",
        f"/public/alpha/p/{current.public_id}.pdf",
        f"/public/alpha/p/{current.public_id}.csv",
        f"/public/alpha/p/{current.public_id}.json",
        "/public/alpha/feed.atom",
        "/public/alpha/feed.atom?lang=en",
        f"/public/alpha/enterprises/{hazard.enterprise.credit_code}/",
        "/public/alpha/tip-off/",
        "/public/alpha/tip-off/?lang=en",
        f"/public/alpha/tip-off/{site['tip'].tracking_code}/",
        "/public/alpha/p/no-such-publication/",
        "/public/alpha/no-such-page/",
        "/public/nowhere/",
    ]


def _answer(response: Any) -> tuple[int, bytes, dict[str, str]]:
    assert not response.cookies, f"{response.request['PATH_INFO']} sets {list(response.cookies)}"
    headers = {name: response.get(name, "") for name in COMPARED_HEADERS}
    return response.status_code, response.content, headers


def test_every_visitor_gets_the_same_bytes_whoever_builds_the_cached_page(
    world, site, visitors, app_role_connection
) -> None:
    for url in _urls(site):
        # Each visitor builds the page afresh ...
        built = {}
        for who, client in visitors.items():
            public_cache.invalidate(world.a.tenant.pk)
            built[who] = _answer(client.get(url, headers={"Accept-Language": "en"}))
        # ... and, the cache filled by the other tenant's user, the others read what that user left.
        public_cache.invalidate(world.a.tenant.pk)
        served = {who: _answer(client.get(url)) for who, client in visitors.items()}
        reference = built["anonymous"]
        for who in visitors:
            assert built[who] == reference, f"{url}: {who} building the page got other bytes"
            assert served[who] == reference, f"{url}: {who} reading the cached page got other bytes"
    # The pages compared were the real ones, not empty alike.
    index = visitors["anonymous"].get("/public/alpha/").content.decode()
    assert site["current"].public_id in index
    page = visitors["anonymous"].get(f"/public/alpha/p/{site['current'].public_id}/").content.decode()
    assert site["hazard"].code in page and "csrfmiddlewaretoken" not in page
    form = visitors["anonymous"].get("/public/alpha/tip-off/").content.decode()
    assert 'name="description"' in form and "csrfmiddlewaretoken" not in form


def test_visiting_the_public_site_leaves_a_signed_in_session_as_it_was(
    world, site, visitors, app_role_connection
) -> None:
    same = visitors["same tenant"]
    for url in _urls(site):
        same.get(url)
    assert same.get("/ledger/").status_code == 200


def test_a_page_shows_nothing_of_the_visitor_nor_of_an_unknown_parameter(
    world, site, visitors, app_role_connection
) -> None:
    page = f"/public/alpha/p/{site['current'].public_id}/"
    poisoned = visitors["same tenant"].get(page, {"next": "EVIL-PARAM", "lang": "en", "utm": "EVIL-PARAM"})
    body = poisoned.content.decode()
    assert "EVIL-PARAM" not in body
    assert "alpha-committee" not in body and "Sign out" not in body
    assert visitors["anonymous"].get(page, {"lang": "en"}).content == poisoned.content


@pytest.mark.parametrize(
    ("asked", "same_as"),
    [
        ("?lang=EN", "?lang=en"),
        ("?lang=en&utm_source=x&page=1", "?lang=en"),
        ("?page=01", ""),
        ("?lang=xx", ""),
        ("?lang=", ""),
        ("?state=nonsense", ""),
        ("?industry=NOT-AN-INDUSTRY&region_code=999999", ""),
        ("?state=HANDED_OVER", "?state=handed_over"),
        ("?industry=HAZARDOUS_CHEMICALS", "?industry=hazardous_chemicals"),
        ("?q=%20%20", ""),
    ],
)
def test_known_parameters_are_normalised_and_unknown_ones_ignored(
    site, app_role_connection, asked: str, same_as: str
) -> None:
    page = f"/public/alpha/p/{site['current'].public_id}/"
    client = Client()
    assert client.get(page + asked).content == Client().get(page + same_as).content


def test_the_language_is_the_lang_parameter_not_the_browsers(site, app_role_connection) -> None:
    client = Client()
    english_browser = client.get("/public/alpha/", headers={"Accept-Language": "en"})
    assert english_browser["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in english_browser.content.decode()
    client.cookies["django_language"] = "en"  # a language cookie set on the signed-in side is not read
    assert '<html lang="zh-hans">' in client.get("/public/alpha/").content.decode()
    english = client.get("/public/alpha/?lang=en")
    assert english["Content-Language"] == "en" and '<html lang="en">' in english.content.decode()
    # Links keep the language; the switch leads to the same page in the other one.
    assert f'href="/public/alpha/p/{site["current"].public_id}/?lang=en"' in english.content.decode()
    assert 'href="/public/alpha/" lang="zh-hans"' in english.content.decode()


def _page_keys(slug: str) -> set[str]:
    redis = cache._cache.get_client(None, write=False)  # type: ignore[attr-defined]
    prefix = cache.make_key("")
    return {key.decode()[len(prefix) :] for key in redis.scan_iter(match=cache.make_key(f"public:{slug}:*"))}


def test_no_request_adds_cache_entries_of_its_own_making(world, site, app_role_connection) -> None:
    client = Client()
    pages = ["/public/alpha/", f"/public/alpha/p/{site['current'].public_id}/"]
    noise = [
        "",
        "?lang=en",
        "?lang=EN",
        "?lang=fr",
        "?a=1",
        "?a=2&b=3",
        "?state=closed",
        "?q=化工",
        "?industry=mines",
        "?region_code=210211",
    ]
    for number in range(30):
        noise.append(f"?utm_campaign={number}")
    for page in pages:
        for query in noise:
            assert client.get(page + query).status_code == 200
    for missing in ("/public/alpha/p/unknown/", "/public/alpha/p/unknown2/?lang=en"):
        assert client.get(missing).status_code == 404
    with tenant_context(world.a.tenant):
        published = Publication.objects.exclude(status="draft").count()
    bound = 2 * (1 + published)  # languages x (index + each published or superseded publication)
    keys = _page_keys("alpha")
    assert keys == {f"public:alpha:{language}:{page}" for language in ("zh-hans", "en") for page in pages}
    assert len(keys) <= bound


def test_a_tip_off_posted_from_another_site_is_refused_and_saves_nothing(
    world, site, app_role_connection
) -> None:
    data = {"region": world.a.county.pk, "description": "消防通道被货物堵塞，无法通行"}
    client = Client()
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        refused = client.post("/public/alpha/tip-off/", data, headers=headers)
        assert refused.status_code == 403 and not refused.cookies
    with tenant_context(world.a.tenant):
        assert list(TipOff.objects.all()) == [site["tip"]]
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}, {}):
        sent = client.post("/public/alpha/tip-off/?lang=en", data, headers=headers)
        assert sent.status_code == 302 and sent["Location"].endswith("/?lang=en")
