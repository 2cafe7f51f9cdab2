"""Every PDF the product makes shows user and database text literally: reportlab reads a paragraph's text as
markup, so a name such as "a < b & c <script>" must render as typed, never fail or become markup.

Each PDF builder gets such names in every field it prints, and pdftotext must read them back.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest
from django.utils import timezone

from accountability.scoring import assessment_compute_month
from campaigns.services import campaign_create, task_create
from disclosure.models import Publication
from disclosure.services import publication_build_month, publication_publish
from hazards.models import Hazard
from hazards.services import hazard_report
from organizations.models import Department, Enterprise, Region

MARKUP = "a < b & c <script>"
# Long enough to wrap in a table column, so the disclosure PDF lays it out as a paragraph, not plain text.
LONG = f"{MARKUP} 化工 <b>有限</b> &amp; 公司 " * 3


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without whitespace (pdftotext breaks lines where the layout wrapped them)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is on this machine kind"
    text = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return "".join(text.split())


def shows(pdf: bytes, *texts: str) -> bool:
    text = pdf_text(pdf)
    return all("".join(wanted.split()) in text for wanted in texts)


@pytest.fixture
def marked(world: Any) -> Any:
    """Markup-shaped names in tenant A's directory: the city, the county, the enterprise, the department."""
    w = world.a
    Region.objects.filter(pk=w.city.pk).update(name=MARKUP)
    Region.objects.filter(pk=w.county.pk).update(name=f"县 {MARKUP}")
    Enterprise.objects.filter(pk=w.enterprise.pk).update(name=LONG)
    Department.objects.filter(pk=w.department.pk).update(name=f"局 {MARKUP}")
    for obj in (w.city, w.county, w.enterprise, w.department):
        obj.refresh_from_db()
    return w


def test_the_disclosure_pdf_shows_markup_shaped_names_literally(marked, ledger) -> None:
    hazard = ledger.handed_over()
    Hazard.objects.filter(pk=hazard.pk).update(title=f"隐患 {MARKUP}")
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=marked.tenant, month=month)
    draft = Publication.objects.get(tenant=marked.tenant, region=marked.city, month=month)
    pdf = publication_publish(actor=marked.committee, publication=draft).pdf_bytes
    assert shows(pdf, MARKUP, f"县 {MARKUP}", LONG)


def test_the_campaign_summary_pdf_shows_markup_shaped_text_literally(marked, client, ledger) -> None:
    today = timezone.localdate()
    campaign = campaign_create(
        actor=marked.committee,
        region=marked.city,
        name=f"专项 {MARKUP}",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=120),
        industries=[marked.industries["hazardous_chemicals"]],
        guarantee_measures=f"措施 {MARKUP}",
        status="active",
    )
    task_create(
        actor=marked.committee,
        campaign=campaign,
        number="1",
        title=f"任务 {MARKUP}",
        due_date=campaign.end_date,
        departments=[marked.department],
    )
    hazard = ledger.confirmed()  # major: listed in the summary with its enterprise
    Hazard.objects.filter(pk=hazard.pk).update(title=f"隐患 {MARKUP}")
    client.force_login(marked.committee)
    response = client.get(f"/campaigns/{campaign.pk}/summary.pdf")
    assert response.status_code == 200
    assert shows(
        response.content,
        f"专项 {MARKUP}",
        f"{MARKUP} · ",  # the region line
        f"任务 {MARKUP}",
        f"措施 {MARKUP}",
        f"局 {MARKUP}",
        f"隐患 {MARKUP}",
        LONG,
    )


def test_the_rankings_circular_shows_markup_shaped_names_literally(marked, client, ledger) -> None:
    hazard_report(
        category="equipment",
        actor=marked.officer,
        enterprise=marked.enterprise,
        title="t",
        description="d",
        location="l",
    )
    month = timezone.localdate().replace(day=1)
    assessment_compute_month(tenant=marked.tenant, month=month)
    client.force_login(marked.committee)
    response = client.get("/rankings/circular.pdf", {"month": month.strftime("%Y-%m")})
    assert response.status_code == 200
    # The title carries the city's name; the tables the county's and the department's.
    assert shows(response.content, f"{MARKUP}{month:%Y年%m月}", f"县 {MARKUP}", f"局 {MARKUP}")
