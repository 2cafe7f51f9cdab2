"""The to-do inbox: each role sees what waits on it and nothing else, an item is gone once done, another
tenant's work never shows, the counts cost one query, and the API says what the page says."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.models import SpotCheck
from accountability.spot_checks import spot_check_record_result, spot_check_sample_month
from disclosure.tipoffs import tipoff_assign, tipoff_file, tipoff_triage
from hazards.services import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_lift_listing,
    hazard_list_supervision,
    hazard_plan,
    hazard_submit,
    hazard_verify,
)
from hazards.services.inspections import (
    checklist_for,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)
from inbox.choices import InboxKind
from inbox.selectors import inbox_counts, inbox_sections, inbox_total
from organizations.models import User

from ..factories import photo

pytestmark = pytest.mark.django_db


def waiting(user: User) -> dict[str, list[str]]:
    """The titles in the user's inbox by kind (kinds with nothing waiting left out)."""
    return {
        str(section.kind): [item.title for item in section.items]
        for section in inbox_sections(actor=user)
        if section.items
    }


def kinds(user: User) -> set[str]:
    return set(waiting(user))


def test_a_handover_waits_on_the_department_and_the_committee_until_each_acknowledges(
    world: Any, ledger: Any
) -> None:
    w = world.a
    hazard = ledger.handed_over()
    for receiver in (w.inspector, w.committee):
        assert any(hazard.code in title for title in waiting(receiver)["handover"])
    # The enterprise plans it; the administrator sees the tenant but receives nothing.
    assert kinds(w.officer) == {"plan", "self_inspection"}
    assert "handover" not in kinds(w.admin)

    hazard_acknowledge_handover(actor=w.inspector, hazard=hazard)
    assert "handover" not in kinds(w.inspector)
    assert "handover" in kinds(w.committee)
    hazard_acknowledge_handover(actor=w.committee, hazard=hazard)
    assert "handover" not in kinds(w.committee)


def test_a_reported_hazard_waits_on_its_regulators_for_confirmation(world: Any, ledger: Any) -> None:
    w = world.a
    hazard = ledger.reported()
    for regulator in (w.inspector, w.committee):
        assert kinds(regulator) >= {"confirm"}
    assert "confirm" not in kinds(w.officer) | kinds(w.head) | kinds(w.outsider)
    assert waiting(w.inspector).get("confirm") == [f"{hazard.code} {hazard.title} · {w.enterprise.name}"]
    hazard_confirm(actor=w.inspector, hazard=hazard, level="general", criterion=None)
    assert "confirm" not in kinds(w.inspector)
    assert kinds(w.officer) >= {"plan"}


def test_a_general_rectification_waits_on_its_verifiers_and_is_gone_once_verified(
    world: Any, ledger: Any
) -> None:
    w = world.a
    hazard = ledger.rectifying("general")
    assert "verify" not in kinds(w.inspector)
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已整改")
    for verifier in (w.inspector, w.committee, w.head):
        assert "verify" in kinds(verifier), verifier
    assert "verify" not in kinds(w.officer)

    hazard_verify(actor=w.inspector, hazard=hazard, accepted=False, note="未整改到位")
    for verifier in (w.inspector, w.committee, w.head):
        assert "verify" not in kinds(verifier)


def test_a_major_rectification_waits_on_the_handed_department_and_the_committee_not_the_enterprise(
    world: Any, ledger: Any
) -> None:
    w = world.a
    hazard = hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="已加装", evidence=[photo()])
    assert "verify" in kinds(w.inspector)
    assert "verify" in kinds(w.committee)
    assert "verify" not in kinds(w.head) | kinds(w.officer)
    item = next(s for s in inbox_sections(actor=w.inspector) if s.kind == InboxKind.VERIFY).items[0]
    assert item.url == reverse("hazard-detail", args=[hazard.pk])
    assert item.due == hazard.deadline


def test_a_rectification_is_due_for_the_enterprise_only_near_its_deadline(world: Any, ledger: Any) -> None:
    w = world.a
    hazard = ledger.rectifying("general")  # due in 30 days
    assert "rectification" not in kinds(w.officer)
    type(hazard).objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    section = next(s for s in inbox_sections(actor=w.officer) if s.kind == InboxKind.RECTIFICATION)
    assert section.count == 1 and section.items[0].overdue
    assert "rectification" in kinds(w.head)
    assert "rectification" not in kinds(w.inspector) | kinds(w.outsider)


def test_a_plan_waits_on_the_enterprise_and_is_gone_once_filed(world: Any, ledger: Any) -> None:
    w = world.a
    hazard = ledger.confirmed("general")
    assert "plan" in kinds(w.officer)
    hazard_plan(
        actor=w.officer,
        hazard=hazard,
        responsible_person="周明远",
        measures="更换",
        funds=Decimal(5000),
        deadline=timezone.localdate() + dt.timedelta(days=30),
        contingency_plan="停用",
    )
    assert "plan" not in kinds(w.officer)


def test_the_month_self_inspection_waits_to_be_filed_then_submitted(world: Any) -> None:
    w = world.a
    month = timezone.localdate().replace(day=1)
    assert waiting(w.officer)["self_inspection"] == [
        f"{w.enterprise.name}: file the self-inspection of {month:%Y-%m}"
    ]
    inspection = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=month)
    section = next(s for s in inbox_sections(actor=w.head) if s.kind == InboxKind.SELF_INSPECTION)
    assert section.items[0].url == reverse("self-inspection-edit", args=[inspection.pk])
    answers = {line.key: {"result": "ok"} for line in checklist_for(w.enterprise)}
    self_inspection_save(actor=w.officer, self_inspection=inspection, answers=answers)
    self_inspection_submit(actor=w.head, self_inspection=inspection)
    assert "self_inspection" not in kinds(w.officer)
    assert "self_inspection" not in kinds(w.inspector) | kinds(w.committee)


def test_a_tip_off_waits_on_the_committee_then_as_a_lead_on_the_department(world: Any) -> None:
    w = world.a
    tip = tipoff_file(
        tenant=w.tenant,
        region=w.county,
        description="夜间偷排废液，气味刺鼻，多次发生",
        enterprise_name="某厂",
        client_address="192.0.2.1",
    )
    assert "tip_off" in kinds(w.committee)
    assert "tip_off" not in kinds(w.inspector) | kinds(w.officer)
    tip = tipoff_triage(actor=w.committee, tip_off=tip, lead=True, public_note="")
    assigning = f"Tip-off {tip.tracking_code}: assign the lead to a department"
    assert waiting(w.committee)["tip_off"] == [assigning]
    assert "lead" not in kinds(w.inspector)
    tipoff_assign(actor=w.committee, tip_off=tip, department=w.department)
    assert "tip_off" not in kinds(w.committee)
    lead = next(s for s in inbox_sections(actor=w.inspector) if s.kind == InboxKind.LEAD).items[0]
    assert lead.url == f"{reverse('inspection-create')}?tip_off={tip.pk}"


def test_another_tenants_work_never_appears(world: Any, ledger: Any) -> None:
    ledger.reported()
    hazard_submit(actor=world.a.officer, hazard=ledger.rectifying(), report="已加装", evidence=[photo()])
    ledger.handed_over()
    b = world.b
    for user in (b.officer, b.head, b.inspector, b.committee, b.admin):
        counts = inbox_counts(actor=user)
        assert {kind: n for kind, n in counts.items() if kind != InboxKind.SELF_INSPECTION} == dict.fromkeys(
            [kind for kind in counts if kind != InboxKind.SELF_INSPECTION], 0
        )
        assert all(world.a.enterprise.name not in t for titles in waiting(user).values() for t in titles)


def test_the_badge_costs_one_query_however_much_waits(world: Any, ledger: Any) -> None:
    w = world.a
    inbox_total(actor=w.committee)  # the scope is resolved once per request, before the badge
    ledger.reported()
    with CaptureQueriesContext(connection) as one:
        assert inbox_total(actor=w.committee) >= 1
    for _ in range(3):
        ledger.handed_over()
    with CaptureQueriesContext(connection) as many:
        assert inbox_total(actor=w.committee) == 4  # the reported one, and a receipt for each handover
    assert len(one) == len(many) == 1


def test_the_inbox_reads_a_fixed_number_of_queries(world: Any, ledger: Any, client: Any) -> None:
    w = world.a
    client.force_login(w.committee)

    def pending_verification() -> None:
        hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="已加装", evidence=[photo()])

    client.get(reverse("inbox"))  # the first request of a session reads more than the next ones
    with CaptureQueriesContext(connection) as nothing:
        client.get(reverse("inbox"))
    ledger.handed_over()
    pending_verification()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("inbox")).context["total"] == 3  # two receipts, one verification
    for _ in range(4):
        ledger.handed_over()
        pending_verification()
    with CaptureQueriesContext(connection) as more:
        assert client.get(reverse("inbox")).context["total"] == 15
    # One query for the counts, one for each kind that has items; none for each item.
    assert len(few) == len(more) == len(nothing) + 2


def test_the_page_shows_the_badge_and_links_each_item_where_it_is_done(
    world: Any, ledger: Any, client: Any
) -> None:
    w = world.a
    hazard = ledger.handed_over()
    client.force_login(w.inspector)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the words below are the English ones
    home = client.get(reverse("ledger")).content.decode()
    count = inbox_total(actor=w.inspector)
    badge = rf'href="{reverse("inbox")}"[^>]*>To do <span class="badge badge-count"[^>]*>{count}<'
    assert re.search(badge, home)
    page = client.get(reverse("inbox")).content.decode()
    assert f'href="{reverse("hazard-detail", args=[hazard.pk])}"' in page
    assert "Handovers to acknowledge" in page

    hazard_acknowledge_handover(actor=w.inspector, hazard=hazard)
    page = client.get(reverse("inbox")).content.decode()
    assert "Handovers to acknowledge" not in page


def _menu_count(client: Any) -> int:
    page = client.get(reverse("ledger")).content.decode()
    found = re.search(r"data-inbox-count>(\d+)<", page)
    return int(found.group(1)) if found else 0


def test_the_menu_count_is_kept_a_while_but_own_changes_and_the_inbox_page_show_at_once(
    world: Any, ledger: Any, client: Any
) -> None:
    w = world.a
    first = ledger.handed_over()
    client.force_login(w.inspector)
    before = _menu_count(client)
    assert before >= 1

    # Someone else hands over another hazard: the menu keeps its count, and no page counts again...
    ledger.handed_over()
    with CaptureQueriesContext(connection) as kept:
        assert _menu_count(client) == before
    assert not [q for q in kept.captured_queries if "AS waiting" in q["sql"]]  # the count (_count_each)
    # ...until the inbox page, which always counts afresh, shows it and the menu follows.
    assert client.get(reverse("inbox")).context["total"] == before + 1
    assert _menu_count(client) == before + 1

    # The user's own change shows on their very next page.
    client.post(reverse("handover-receipt-acknowledge", args=[first.pk]))
    assert _menu_count(client) == before


def test_the_api_returns_what_the_page_shows(world: Any, ledger: Any, client: Any, api: Any) -> None:
    w = world.a
    ledger.handed_over()
    hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="已加装", evidence=[photo()])
    ledger.reported()
    client.force_login(w.committee)
    page = client.get(reverse("inbox")).content.decode()
    links = re.findall(r'<a class="inbox-link" href="([^"]+)">([^<]+)</a>', page)
    body = api.as_user(w.committee).get(reverse("api:inbox")).json()

    assert [(item["url"], item["title"]) for item in body["items"]] == [
        (html.unescape(url), html.unescape(title)) for url, title in links
    ]
    counts = {row["kind"]: row["count"] for row in body["counts"]}
    assert counts["handover"] == 2 and counts["verify"] == 1 and counts["confirm"] == 1
    assert body["total"] == sum(counts.values()) == len(body["items"])
    assert {item["kind"] for item in body["items"]} == {"handover", "verify", "confirm"}


def test_the_api_asks_for_a_signed_in_caller(api: Any, world: Any) -> None:
    assert api.get(reverse("api:inbox")).status_code in (401, 403)


def test_a_listing_waits_on_its_body_near_its_deadline_and_once_closed_until_lifted(
    world: Any, ledger: Any
) -> None:
    w = world.a
    hazard = ledger.handed_over()
    far = timezone.localdate() + dt.timedelta(days=60)
    hazard = hazard_list_supervision(actor=w.committee, hazard=hazard, level="municipal", deadline=far)
    assert "listing" not in kinds(w.committee)
    type(hazard).objects.filter(pk=hazard.pk).update(listing_deadline=timezone.localdate())
    assert "listing" in kinds(w.committee)
    # The body is the city's committee: not the department, nor the enterprise.
    assert "listing" not in kinds(w.inspector) | kinds(w.officer)
    type(hazard).objects.filter(pk=hazard.pk).update(state="closed")
    assert waiting(w.committee)["listing"] == [
        f"{hazard.code} {hazard.title} · {w.enterprise.name} — closed: lift the listing"
    ]
    hazard_lift_listing(actor=w.committee, hazard=hazard, note="已销号，同意摘牌")
    assert "listing" not in kinds(w.committee)


def test_a_spot_check_waits_on_its_department_until_its_result_is_recorded(world: Any) -> None:
    w = world.a
    month = timezone.localdate().replace(day=1)
    inspection = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=month)
    answers = {line.key: {"result": "ok"} for line in checklist_for(w.enterprise)}
    self_inspection_save(actor=w.officer, self_inspection=inspection, answers=answers)
    self_inspection_submit(actor=w.head, self_inspection=inspection)
    assert spot_check_sample_month(tenant=w.tenant, month=month, percent=100) >= 1
    check = SpotCheck.objects.get(self_inspection=inspection)
    assert check.department_id == w.department.pk
    section = next(s for s in inbox_sections(actor=w.inspector) if s.kind == InboxKind.SPOT_CHECK)
    assert section.items[0].url == reverse("spot-check-detail", args=[check.pk])
    assert "spot_check" not in kinds(w.committee) | kinds(w.officer) | kinds(world.b.inspector)
    spot_check_record_result(
        actor=w.inspector, spot_check=check, checked_on=timezone.localdate(), missed_count=0
    )
    assert "spot_check" not in kinds(w.inspector)
