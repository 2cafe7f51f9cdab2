"""Public titles: each disclosed hazard is published under words nobody typed into the ledger — the cited
criterion's wording by default, or a title the region's committee staff wrote in the draft review (page and
API alike). Other roles get 403, other scopes 404, a published snapshot 409, bad input 400."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from disclosure.models import Publication, PublicHazardId
from disclosure.services import publication_build_month, publication_publish
from organizations.choices import Role

from ..factories import MembershipFactory, UserFactory

TITLE = "储罐区紧急切断装置缺失"


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def draft(world, ledger, month) -> Publication:
    ledger.handed_over()  # typed title "储罐区未设紧急切断"
    publication_build_month(tenant=world.a.tenant, month=month)
    return Publication.objects.get(tenant=world.a.tenant, region=world.a.city, month=month)


def _row(publication: Publication) -> dict[str, Any]:
    publication.refresh_from_db()
    return publication.content["major_hazards"][0]


def test_by_default_a_hazard_is_published_under_its_criterions_wording(world, ledger, draft) -> None:
    row = _row(draft)
    assert row["title"] == ledger.criterion.text
    assert "储罐区未设紧急切断" not in str(draft.content)  # the title typed into the ledger


def test_the_review_page_shows_every_public_title_and_the_ledgers_own_words_to_staff_only(
    world, client, draft
) -> None:
    client.force_login(world.a.committee)
    page = client.get(f"/disclosure/{draft.pk}/", headers={"Accept-Language": "en"}).content.decode()
    row = _row(draft)
    assert f'name="title" value="{row["title"]}"' in page and "(default wording)" in page
    assert "储罐区未设紧急切断" in page  # beside it, for the reviewer: what the ledger says (never published)


def test_committee_staff_write_a_title_that_is_published_and_kept_for_later_months(
    world, client, ledger, draft, month
) -> None:
    public_id = _row(draft)["public_id"]
    client.force_login(world.a.committee)
    saved = client.post(f"/disclosure/{draft.pk}/titles/", {"public_id": public_id, "title": f"  {TITLE} "})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#title-{public_id}")
    assert _row(draft)["title"] == TITLE
    page = client.get(f"/disclosure/{draft.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "(written by committee staff)" in page
    published = publication_publish(actor=world.a.committee, publication=draft)
    assert TITLE in client.get(f"/public/alpha/p/{published.public_id}/").content.decode()
    following = month.replace(year=month.year + 1)
    publication_build_month(tenant=world.a.tenant, month=following)
    later = Publication.objects.get(tenant=world.a.tenant, region=world.a.city, month=following)
    assert _row(later)["title"] == TITLE
    # Emptied, the title goes back to the default wording.
    emptied = client.post(f"/disclosure/{later.pk}/titles/", {"public_id": public_id, "title": ""})
    assert emptied.status_code == 302
    assert _row(later)["title"] == ledger.criterion.text
    assert PublicHazardId.objects.get(public_id=public_id).title == ""


def test_a_title_belongs_to_the_hazard_so_every_draft_listing_it_shows_it(
    world, client, draft, month
) -> None:
    staff = UserFactory.create(username="alpha-province-committee", tenant=world.a.tenant)
    MembershipFactory.create(user=staff, role=Role.COMMITTEE_STAFF, region=world.a.province)
    publication_build_month(tenant=world.a.tenant, month=month)
    province = Publication.objects.get(tenant=world.a.tenant, region=world.a.province, month=month)
    public_id = _row(draft)["public_id"]
    client.force_login(world.a.committee)
    client.post(f"/disclosure/{draft.pk}/titles/", {"public_id": public_id, "title": TITLE})
    assert _row(province)["title"] == TITLE


def test_publishing_freezes_the_titles_as_they_stand(world, draft) -> None:
    """Even when a draft was built just before a title changed, it is published with the reviewed title."""
    PublicHazardId.objects.filter(public_id=_row(draft)["public_id"]).update(title=TITLE)
    published = publication_publish(actor=world.a.committee, publication=draft)
    assert _row(published)["title"] == TITLE


@pytest.mark.parametrize(
    ("who", "status"),
    [("b.committee", 404), ("a.inspector", 404), ("a.outsider", 404), ("a.officer", 404), ("a.admin", 403)],
)
def test_only_the_regions_committee_staff_write_titles(world, client, draft, who: str, status: int) -> None:
    tenant, role = who.split(".")
    client.force_login(getattr(getattr(world, tenant), role))
    before = _row(draft)
    url = f"/disclosure/{draft.pk}/titles/"
    assert client.post(url, {"public_id": before["public_id"], "title": TITLE}).status_code == status
    assert _row(draft) == before


def test_a_published_snapshot_keeps_its_titles(world, client, draft) -> None:
    row = _row(draft)
    publication_publish(actor=world.a.committee, publication=draft)
    client.force_login(world.a.committee)
    answer = client.post(f"/disclosure/{draft.pk}/titles/", {"public_id": row["public_id"], "title": TITLE})
    assert answer.status_code == 409
    assert _row(draft) == row and PublicHazardId.objects.get(public_id=row["public_id"]).title == ""


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("联系人张三 13912345678", "phone or ID number"),
        ("电话 139-1234-5678", "phone or ID number"),
        ("电话 " + "".join(chr(ord(digit) + 0xFEE0) for digit in "13912345678"), "phone or ID number"),
        ("长" * 201, "longer than 200"),
    ],
)
def test_a_title_with_a_phone_number_or_too_long_is_refused_naming_the_field(
    world, client, draft, title: str, words: str
) -> None:
    row = _row(draft)
    client.force_login(world.a.committee)
    answer = client.post(
        f"/disclosure/{draft.pk}/titles/",
        {"public_id": row["public_id"], "title": title},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert words in page and f'id="public-title-{row["public_id"]}_error"' in page
    assert _row(draft) == row


def test_a_hazard_not_in_the_draft_is_refused(world, client, draft) -> None:
    row = _row(draft)
    client.force_login(world.a.committee)
    answer = client.post(
        f"/disclosure/{draft.pk}/titles/",
        {"public_id": "not-listed", "title": TITLE},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 400 and "not-listed is not a hazard of this draft" in answer.content.decode()
    assert _row(draft) == row


def test_the_api_writes_titles_with_the_same_rules(world, api, draft) -> None:
    row = _row(draft)
    url = f"/api/v1/publications/{draft.pk}/titles/"
    body = {"titles": [{"public_id": row["public_id"], "title": TITLE}]}
    for who, status in ((world.b.committee, 404), (world.a.inspector, 404), (world.a.admin, 403)):
        assert api.as_user(who).post(url, body, format="json").status_code == status
    api.as_user(world.a.committee)
    phone = {"titles": [{"public_id": row["public_id"], "title": "电话13912345678"}]}
    bad = api.post(url, phone, format="json")
    assert bad.status_code == 400 and "title" in bad.json()
    assert api.post(url, {"titles": []}, format="json").status_code == 400
    assert _row(draft) == row
    done = api.post(url, body, format="json")
    assert done.status_code == 200 and done.json()["content"]["major_hazards"][0]["title"] == TITLE
    api.post(f"/api/v1/publications/{draft.pk}/publish/")
    assert api.post(url, body, format="json").status_code == 409
