"""Only reviewed words are published: a name and a mobile number typed into every free-text field of the
ledger (hazards, plans, extensions, listings, rectification reports, verifications, inspections,
self-inspections, event notes, enterprise and user details, tip-offs) appear in no public format — HTML,
CSV, JSON, PDF (read back with pdftotext), Atom, the tip-off pages — after the month is published through
the real services and pages, served as the row-level-security role.

Each field gets its own tag (ZSF01, ZSF02, …) beside the name and number, so a failure names the field.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.rls import tenant_context
from disclosure.models import Publication
from disclosure.services import publication_build_month
from disclosure.tipoffs import tipoff_file, tipoff_triage
from hazards.models import Hazard
from hazards.services import (
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_lift_listing,
    hazard_list_supervision,
    hazard_plan,
    hazard_report,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from hazards.services.inspections import (
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)

from ..factories import acceptance, photo

pytestmark = pytest.mark.django_db(transaction=True)

NAME, MOBILE = "张三丰", "13912345678"
REVIEWED = "储罐区紧急切断装置缺失（安委办审定）"
# A search for part of what was typed: it would list a row whose typed words were published; its echo in
# the search box is neither the whole name nor the whole number.
SEARCH = "丰 1391"


class Typed:
    """Text as a clerk might type it, with a name, a mobile number and a tag naming the field."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def __call__(self, field: str, limit: int = 200) -> str:
        tag = f"ZSF{len(self.fields) + 1:02d}"
        self.fields[tag] = field
        return f"{NAME} {MOBILE} {tag}"[:limit]


@pytest.fixture
def typed_ledger(world: Any, chem_criterion: Any) -> dict[str, Any]:
    """Alpha's ledger for this month, every free-text field typed with a name and a mobile number."""
    w = world.a
    typed = Typed()
    today = timezone.localdate()
    for user in (w.officer, w.head, w.inspector, w.committee):
        user.full_name, user.phone = NAME, MOBILE
        user.save(update_fields=["full_name", "phone"])
    w.enterprise.address = typed("enterprise.address")
    w.enterprise.save(update_fields=["address"])

    # A major hazard reported by the enterprise, through the whole loop to closed.
    closed = hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title=typed("hazard.title"),
        description=typed("hazard.description"),
        location=typed("hazard.location"),
    )
    hazard_confirm(
        actor=w.inspector, hazard=closed, level="major", criterion=chem_criterion, note=typed("confirm.note")
    )
    hazard_handover(
        actor=w.committee,
        hazard=closed,
        region=w.city,
        departments=[w.department],
        note=typed("handover.note"),
    )
    hazard_plan(
        actor=w.officer,
        hazard=closed,
        responsible_person=typed("plan.responsible_person", 100),
        measures=typed("plan.measures"),
        funds=Decimal(50000),
        deadline=today + dt.timedelta(days=20),
        contingency_plan=typed("plan.contingency_plan"),
    )
    hazard_request_extension(
        actor=w.officer,
        hazard=closed,
        new_deadline=today + dt.timedelta(days=40),
        reason=typed("extension.reason"),
    )
    hazard_decide_extension(actor=w.inspector, hazard=closed, approved=True, note=typed("extension.note"))
    hazard_list_supervision(
        actor=w.committee,
        hazard=closed,
        level="municipal",
        document_number=typed("listing.document", 100),
        deadline=today + dt.timedelta(days=40),
    )
    hazard_submit(actor=w.officer, hazard=closed, report=typed("rectification.report"), evidence=[photo()])
    # Listed by the city committee: verified by it (the listing body), then the listing lifted with a note.
    hazard_verify(actor=w.committee, hazard=closed, accepted=False, note=typed("verification.reject_note"))
    hazard_submit(
        actor=w.officer, hazard=closed, report=typed("rectification.second_report"), evidence=[photo()]
    )
    hazard_verify(
        actor=w.committee,
        hazard=closed,
        accepted=True,
        note=typed("verification.note"),
        **acceptance(
            participants=[
                {
                    "name": typed("acceptance.inspector", 100),
                    "role": "inspector",
                    "unit": typed("acceptance.unit", 200),
                },
                {"name": typed("acceptance.expert", 100), "role": "expert"},
            ],
            conclusion=typed("acceptance.conclusion"),
        ),
    )
    hazard_lift_listing(actor=w.committee, hazard=closed, note=typed("listing.lift_note"))

    # A major hazard found in an inspection.
    inspection_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        date=today,
        kind="unannounced",
        summary=typed("inspection.summary"),
        findings=[
            {
                "title": typed("finding.title"),
                "description": typed("finding.description"),
                "location": typed("finding.location"),
                "category": "equipment",
                "level": "major",
                "criterion": chem_criterion,
            }
        ],
    )

    # The monthly self-inspection: a checklist item and a free-form hazard, both graded major.
    month = today.replace(day=1)
    self_inspection = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=month)
    lines = checklist_for(w.enterprise)
    answers = {line.key: {"result": "ok"} for line in lines}
    answers[lines[0].key] = {
        "result": "hazard",
        "description": typed("self_inspection_item.description"),
        "location": typed("self_inspection_item.location"),
        "category": "equipment",
    }
    self_inspection_save(
        actor=w.officer,
        self_inspection=self_inspection,
        answers=answers,
        extra_hazards=[
            {
                "description": typed("self_inspection_extra.description"),
                "location": typed("extra.location"),
                "category": "management",
            }
        ],
        note=typed("self_inspection.note"),
    )
    self_inspection_submit(actor=w.head, self_inspection=self_inspection)
    for found in Hazard.objects.filter(self_inspection=self_inspection):
        hazard_confirm(actor=w.inspector, hazard=found, level="major", criterion=chem_criterion)

    # Withdrawn and general hazards are not disclosed; their words are typed all the same.
    withdrawn = hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title=typed("w.title"),
        description="x",
        location="x",
    )
    hazard_confirm(actor=w.inspector, hazard=withdrawn, level="major", criterion=chem_criterion)
    hazard_withdraw(actor=w.committee, hazard=withdrawn, reason=typed("withdraw.reason"))

    # A tip-off from the public, triaged with a note the committee wrote for its sender.
    tip = tipoff_file(
        tenant=w.tenant,
        region=w.county,
        description=typed("tipoff.description"),
        enterprise_name=typed("tipoff.enterprise_name"),
        contact=typed("tipoff.contact"),
        client_address="192.0.2.1",
    )
    tipoff_triage(actor=w.committee, tip_off=tip, lead=True, public_note="已转执法检查")

    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    assert len(draft.content["major_hazards"]) == 4
    return {"typed": typed, "draft": draft, "tip": tip, "criterion": chem_criterion.text}


def _pdf_text(content: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils, installed by make) reads PDFs back"
    text = subprocess.run([pdftotext, "-", "-"], input=content, capture_output=True, check=True).stdout
    return text.decode("utf-8", "replace")


def _read(client: Client, url: str) -> str:
    """What a reader gets from a public URL, as text (a PDF read back), whitespace removed."""
    response = client.get(url)
    assert response.status_code == 200, url
    content = response.content
    text = _pdf_text(content) if content.startswith(b"%PDF") else content.decode("utf-8")
    return re.sub(r"\s+", "", text)


def test_nothing_typed_into_the_ledger_reaches_any_public_format(
    world, typed_ledger, app_role_connection
) -> None:
    w, draft = world.a, typed_ledger["draft"]
    first_id = draft.content["major_hazards"][0]["public_id"]

    # Committee staff review the draft: its page shows every public title, and they write one of them.
    staff = Client()
    with tenant_context(w.tenant):  # as the app role, a user row is read (last_login written) in its tenant
        staff.force_login(w.committee)
    review = staff.get(f"/disclosure/{draft.pk}/").content.decode()
    assert review.count('name="title"') == 4
    saved = staff.post(f"/disclosure/{draft.pk}/titles/", {"public_id": first_id, "title": REVIEWED})
    assert saved.status_code == 302
    assert staff.post(f"/disclosure/{draft.pk}/publish/").status_code == 302
    corrected = staff.post(f"/disclosure/{draft.pk}/correct/", {"reason": "更正整改时限"})
    assert corrected.status_code == 302
    with tenant_context(w.tenant):
        versions = list(Publication.objects.filter(region=w.city).order_by("version"))
    assert [p.status for p in versions] == ["superseded", "published"]

    anonymous = Client()
    credit_code = w.enterprise.credit_code
    urls = ["/public/alpha/", "/public/alpha/?lang=en", "/public/alpha/feed.atom"]
    urls.append("/public/alpha/feed.atom?lang=en")
    for item in versions:
        page = f"/public/alpha/p/{item.public_id}"
        urls += [f"{page}/", f"{page}/?lang=en", f"{page}/?q={SEARCH}"]
        urls += [f"{page}.csv", f"{page}.json", f"{page}.pdf"]
    urls += [
        f"/public/alpha/enterprises/{credit_code}/",
        f"/public/alpha/enterprises/{credit_code}/?lang=en",
        "/public/alpha/tip-off/",
        f"/public/alpha/tip-off/{typed_ledger['tip'].tracking_code}/",
        f"/public/alpha/tip-off/{typed_ledger['tip'].tracking_code}/?lang=en",
    ]
    bodies = {url: _read(anonymous, url) for url in urls}

    typed = typed_ledger["typed"]
    leaks = []
    for url, body in bodies.items():
        found = [word for word in (NAME, MOBILE) if word in body]
        tags = [f"{tag} ({field})" for tag, field in typed.fields.items() if tag in body]
        if found or tags:
            leaks.append(f"{url}: {found + tags}")
    assert not leaks, "typed words on the public site:\n" + "\n".join(leaks)

    # The words that are published: the title staff wrote, else the criterion's wording — in every format.
    criterion = re.sub(r"\s+", "", typed_ledger["criterion"])
    current = f"/public/alpha/p/{versions[-1].public_id}"
    for url in (f"{current}/", f"{current}.csv", f"{current}.json"):
        assert REVIEWED.replace(" ", "") in bodies[url] and criterion in bodies[url], url
    pdf = bodies[f"{current}.pdf"]
    assert "储罐区紧急切断装置缺失" in pdf and criterion[:8] in pdf
    # A listed supervision is published by its level, not by the body's name typed by hand.
    assert "municipal" in bodies[f"{current}.csv"] and "市级挂牌督办" in pdf
    assert "挂牌督办" in bodies[f"{current}/"] and "Municipal" in bodies[f"{current}/?lang=en"]
    assert "已转执法检查" in bodies[f"/public/alpha/tip-off/{typed_ledger['tip'].tracking_code}/"]
