"""The campaign summary a committee hands up at stage end: tasks, open problems, major hazards, institutional
measures, guarantee measures, responsible units. As XLSX (core.spreadsheets: no formula from user text, dates
stay dates) and as PDF (reportlab, embedding the font of core.pdf_fonts; text escaped by core.pdf_text)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from campaigns.models import Campaign
from core.pdf_fonts import cjk_font
from core.pdf_text import text_paragraph
from core.spreadsheets import WorkbookWriter
from organizations.models import User

from .campaign_stats import campaign_hazards
from .choices import OPEN_STATES, HazardLevel


def summary_sections(*, actor: User, campaign: Campaign) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(title, header, rows) for each section, shared by both formats; dates as dates (the PDF prints
    them as YYYY-MM-DD, the workbook keeps them as date cells)."""
    tasks = campaign.tasks.prefetch_related("departments", "regions").order_by("id")
    hazards = campaign_hazards(actor=actor, campaign=campaign).select_related("enterprise", "region")
    open_problems = hazards.filter(state__in=OPEN_STATES, is_overdue=True).order_by("deadline")
    majors = hazards.filter(level=HazardLevel.MAJOR).order_by("discovered_at")
    units = sorted(
        {d.name for t in tasks for d in t.departments.all()}
        | {r.name for t in tasks for r in t.regions.all()}
    )
    return [
        (
            _("Table of tasks"),
            [_("Number"), _("Task"), _("Due date"), _("Status"), _("Progress (%)")],
            [[t.number, t.title, t.due_date, t.display_status, t.percent] for t in tasks],
        ),
        (
            _("Open problems (overdue hazards)"),
            [_("Code"), _("Enterprise"), _("Title"), _("Deadline")],
            [[h.code, h.enterprise.name, h.title, h.deadline] for h in open_problems],
        ),
        (
            _("Major hazards"),
            [_("Code"), _("Enterprise"), _("Title"), _("State")],
            [[h.code, h.enterprise.name, h.title, h.get_state_display()] for h in majors],
        ),
        # The list of institutional measures (制度措施) with the documents adopting them; the plan's
        # guarantee measures (保障措施) are another thing and keep their own name.
        (
            _("Institutional measures"),
            [_("Number"), _("Measure"), _("Owner unit"), _("State"), _("Adopting document")],
            [
                [m.number, m.title, m.owner, m.get_state_display(), m.document_number]
                for m in campaign.institutional_measures.select_related("owner_department", "owner_region")
            ],
        ),
        (
            _("Guarantee measures"),
            [_("Measure")],
            [[line] for line in campaign.guarantee_measures.splitlines() if line.strip()],
        ),
        (_("Responsible units"), [_("Unit")], [[unit] for unit in units]),
    ]


def summary_xlsx(*, actor: User, campaign: Campaign) -> bytes:
    workbook = WorkbookWriter()
    for title, header, rows in summary_sections(actor=actor, campaign=campaign):
        sheet = workbook.sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    return workbook.to_bytes()


def _pdf_cell(value: Any) -> str:
    return "" if value is None else str(value)  # a date prints as YYYY-MM-DD


def summary_pdf(*, actor: User, campaign: Campaign) -> bytes:
    font = cjk_font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=9, leading=12)
    heading = ParagraphStyle("heading", parent=styles["Heading2"], fontName=font)
    title = ParagraphStyle("title", parent=styles["Title"], fontName=font)
    story: list[Any] = [
        text_paragraph(campaign.name, title),
        text_paragraph(f"{campaign.region.name} · {campaign.start_date} ~ {campaign.end_date}", body),
        text_paragraph(_("Generated %(at)s") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}, body),
        Spacer(1, 4 * mm),
    ]
    for section, header, rows in summary_sections(actor=actor, campaign=campaign):
        story.append(text_paragraph(section, heading))
        data = [[text_paragraph(cell, body) for cell in header]]
        data += [[text_paragraph(_pdf_cell(cell), body) for cell in row] for row in rows] or [
            [text_paragraph("—", body)]
        ]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 4 * mm)]

    def number_pages(canvas: Any, document: Any) -> None:
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, str(document.page))

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=campaign.name, leftMargin=15 * mm, rightMargin=15 * mm
    ).build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()
